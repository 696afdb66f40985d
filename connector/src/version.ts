/** Sent in AUTH and STATUS_UPDATE; bump with protocol-visible changes. */
export const CONNECTOR_VERSION = "0.1.0";
