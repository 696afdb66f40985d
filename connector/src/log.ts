/** Plain line logger: timestamps + level to stdout/stderr; tests pass `silentLogger`. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function consoleLogger(prefix = "connector"): Logger {
  const line = (level: string, msg: string) => `${new Date().toISOString()} ${level} [${prefix}] ${msg}`;
  return {
    info: (m) => console.log(line("INFO ", m)),
    warn: (m) => console.warn(line("WARN ", m)),
    error: (m) => console.error(line("ERROR", m)),
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
