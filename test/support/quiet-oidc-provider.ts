/**
 * A jest setup file: drops oidc-provider's development notices (in-memory adapter, default functions called),
 * which the sandbox authorization server prints by design and which buried the tests' own output. Every other
 * console line is written as before.
 */
const PREFIXES = ['oidc-provider NOTICE:', 'oidc-provider WARNING:'];

function quiet(write: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args) => {
    const first = args[0];
    // oidc-provider colours the line on a terminal: look past the escape sequence.
    const text = typeof first === 'string' ? first.replace(/^\x1b\[[0-9;]*m/, '') : '';
    if (PREFIXES.some((prefix) => text.startsWith(prefix))) return;
    write(...args);
  };
}

console.warn = quiet(console.warn.bind(console));
console.info = quiet(console.info.bind(console));
