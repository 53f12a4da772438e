// For tests: where a value about to leave the server carries something secret-looking. Every
// procedure test of the settings, members, audit and admin routers asserts this is empty.
const SECRET_KEY = /keyHash|password|secret|token/i;
const SECRET_VALUE = /keyHash|"password"|\$argon2|\$scrypt|whsec_/i;

export function secretFieldPaths(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object" && !(v instanceof Date))
      for (const [k, x] of Object.entries(v)) {
        if (SECRET_KEY.test(k)) found.push(`${path}.${k}`);
        walk(x, `${path}.${k}`);
      }
  };
  walk(value, "$");
  if (SECRET_VALUE.test(JSON.stringify(value) ?? "")) found.push("$ (serialized value mentions a secret)");
  return found;
}
