export { MetricsObject, MAX_SERIES } from "./metrics-object";
export { renderExposition, EXPOSITION_CONTENT_TYPE } from "./exposition";
