import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const eslintConfig = [
  {
    ignores: [".next/**", "server/generated/**", "node_modules/**", ".runwatch/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "sdk/dist/**"],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
];

export default eslintConfig;
