export { ModelInference, loadModel, DEFAULT_MAX_SESSIONS, type PredictProbabilitiesResult, type VerifyModelResult } from "./model-inference";
export { InferenceError, runProbabilities, type InferenceErrorCode, type LoadedModel } from "./run";
export { ortReady, ortStatus } from "./ort-runtime";
export { LruCache } from "./lru-cache";
