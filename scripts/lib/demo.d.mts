// Types of demo.mjs for the TypeScript tests that read its constants.
export declare const DEMO_EMAIL: string;
export declare const DEMO_PASSWORD: string;
export declare const DEMO_BOT_NAME: string;
export declare const DEMO_REPLAY_START: string;
export declare function seedDemo(url: string): Promise<{ email: string; password: string; botId: string; firstCycle: unknown }>;
