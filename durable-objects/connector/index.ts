export { ConnectorHub, COMMAND_TTL_MS, RESULT_GRACE_MS } from "./hub";
export { CONNECTOR_TAG, CONNECTOR_TOKEN_ID_HEADER } from "./attachment";
