#!/usr/bin/env node
import { errorMessage } from "../../core/util/error-message";
import { type ConnectorConfig, HELP, loadConfig } from "./config";
import { Connector } from "./connector";
import { consoleLogger } from "./log";
import { CONNECTOR_VERSION } from "./version";

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i !== -1) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP);
    return;
  }
  if (args.includes("--version")) {
    console.log(CONNECTOR_VERSION);
    return;
  }
  let cfg: ConnectorConfig;
  try {
    cfg = loadConfig(process.env, argValue(args, "--config"));
  } catch (e) {
    console.error(`edgetrader-connector: ${errorMessage(e)}\n\n${HELP}`);
    process.exitCode = 1;
    return;
  }
  const log = consoleLogger();
  log.info(`edgetrader-connector ${CONNECTOR_VERSION} (node ${process.version}, ${process.platform})`);
  log.info(`server  ${cfg.url}  (token ${cfg.token.slice(0, 8)}...)`);
  log.info(`broker  ${cfg.broker}${cfg.broker === "mt5" ? `  (EA bridge on 127.0.0.1:${cfg.mt5BridgePort})` : ""}`);
  log.info(`journal ${cfg.journalDir}`);

  const connector = new Connector(cfg, log, {
    onFatal: (message) => {
      log.error(`the server refused this token for good (${message}); create a new one and restart`);
      void connector.stop().then(() => process.exit(2));
    },
  });
  await connector.start();
  const unacked = connector.journal.unacked().length;
  if (unacked) log.info(`${unacked} result(s)/update(s) from before waiting to be delivered`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping (the journal keeps anything undelivered)`);
    void connector.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((e) => {
  console.error(`edgetrader-connector: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
