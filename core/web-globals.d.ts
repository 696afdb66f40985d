// The web-standard globals every runtime we target (workerd, Node 20, browsers) provides. core/
// sees only these: no DOM, no Node, no Cloudflare APIs (tsconfig.core.json has no other types).
declare global {
  class TextEncoder {
    encode(input?: string): Uint8Array;
  }
  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean });
    decode(input?: ArrayBufferView | ArrayBuffer): string;
  }
  interface Console {
    log(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
  }
  const console: Console;
}

export {};
