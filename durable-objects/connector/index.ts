export { CONNECTOR_TAG, CONNECTOR_TOKEN_ID_HEADER } from "./attachment";
export { COMMAND_TTL_MS, ConnectorHub, type PositionCommandOutcome, RESULT_GRACE_MS } from "./hub";
