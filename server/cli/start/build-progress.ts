// What `npm start` prints while `next build` runs: the phase Next is in and the time so far, at
// least every 15 s (a first build is minutes of silence otherwise), and a plain explanation
// instead of each warning known to be harmless here. Pure, so it is unit-tested.

/** Next's own progress lines → a phase name an operator understands. */
const PHASES: [RegExp, string][] = [
  [/Creating an optimized production build/i, "compiling the app (the longest part)"],
  [/Compiled successfully|Compiled with warnings/i, "compiled; checking types"],
  [/Linting and checking validity of types|Running TypeScript/i, "checking types"],
  [/Collecting page data/i, "collecting page data"],
  [/Generating static pages/i, "generating static pages"],
  [/Collecting build traces/i, "collecting build traces"],
  [/Finalizing page optimization/i, "finalizing"],
];

export function buildPhaseOf(line: string): string | null {
  for (const [re, phase] of PHASES) if (re.test(line)) return phase;
  return null;
}

/**
 * Warnings a first build prints that need no action, each with why. Matched per line; the
 * explanation is printed once instead of the warning.
 */
export const HARMLESS_BUILD_WARNINGS: { match: RegExp; explanation: string }[] = [
  {
    match: /Next\.js is now collecting completely anonymous telemetry|telemetry/i,
    explanation: "Next.js telemetry is off under npm start (NEXT_TELEMETRY_DISABLED=1); nothing is sent.",
  },
  {
    match: /baseline-browser-mapping|browserslist: .*caniuse-lite is outdated|Browserslist: .*old/i,
    explanation: "the browser-support data bundled with the build tools is a few months old; the build is the same, nothing to do.",
  },
  {
    match: /Failed to (fetch|download) .*font|Failed to load SWC binary|prisma:warn.*engine/i,
    explanation: "an optional download was skipped (this machine has no internet access); the build uses what is installed.",
  },
];

/**
 * Turbopack's warnings come as one block ("Turbopack build encountered N warnings:" … up to the
 * route table), each with a code frame. Known ones are explained in a sentence; any other
 * warning in the block is printed as Next wrote it.
 */
export const KNOWN_TURBOPACK_WARNINGS: { match: RegExp; explanation: string }[] = [
  {
    match: /A Node\.js API is used \(process\.once/,
    explanation:
      "instrumentation.ts registers signal handlers that only run in the Node.js runtime (the app never runs on the Edge runtime); Turbopack warns about the Edge case anyway.",
  },
  {
    match: /Dynamic filesystem access causes tracing of the whole project/,
    explanation: "the readiness check reads prisma/migrations at run time, so the build traces the project folder; harmless for `npm start`, which runs from this folder.",
  },
];

export type WarningBlock = { explained: string[]; unknown: string[] };

/** Splits a Turbopack warning block into explanations of the known warnings and the text of the rest. */
export function explainWarningBlock(lines: readonly string[]): WarningBlock {
  const explained = new Set<string>();
  const unknown: string[] = [];
  let current: string[] = [];
  const flush = () => {
    const text = current.join("\n");
    const known = KNOWN_TURBOPACK_WARNINGS.find((w) => w.match.test(text));
    if (known) explained.add(known.explanation);
    else if (text.trim()) unknown.push(...current);
    current = [];
  };
  for (const line of lines) {
    // each warning starts with its file position ("./instrumentation.ts:10:3")
    if (/^\.\/\S+:\d+:\d+/.test(line.replace(/\u001b\[[0-9;]*m/g, ""))) flush();
    current.push(line);
  }
  flush();
  return { explained: [...explained], unknown };
}

export function harmlessWarning(line: string): string | null {
  for (const w of HARMLESS_BUILD_WARNINGS) if (w.match.test(line)) return w.explanation;
  return null;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
