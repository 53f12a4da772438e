"use client";

// A secret shown once (a new API key, a channel's signing secret): the value, selectable, with a
// copy button and an "I have stored it" dismissal. One panel, so every secret Runwatch reveals
// looks and behaves the same and is announced to screen readers (role=status).
import { useState } from "react";
import { Button } from "./button";

export function SecretOnce({
  title,
  note,
  secret,
  testId,
  valueTestId,
  copyLabel = "Copy",
  onDismiss,
}: {
  title: string;
  note?: string;
  secret: string;
  testId: string;
  valueTestId: string;
  copyLabel?: string;
  onDismiss: () => void;
}) {
  return (
    <div role="status" data-testid={testId} className="mt-4 rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      <p className="font-medium">{title}</p>
      {note && <p className="mt-1">{note}</p>}
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid={valueTestId} className="rounded bg-white px-2 py-1 font-mono text-xs break-all text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100">
          {secret}
        </code>
        <CopyButton text={secret} label={copyLabel} />
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <Button
        size="sm"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setState("copied");
          } catch {
            // clipboard access can be refused (insecure origin, permissions): the value stays selectable
            setState("failed");
          }
        }}
      >
        {label}
      </Button>
      <span aria-live="polite" className="text-xs">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select it and copy it by hand" : ""}
      </span>
    </>
  );
}
