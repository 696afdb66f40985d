export { PredictionService, DEFAULT_SIZING_BALANCE, enginePredictor, type PredictionDeps } from "./service";
export { ModelHealth, type ModelHealthRow } from "./model-health";
export { PredictionCache } from "./prediction-cache";
export { recordPrediction } from "./record";
export { installShippedModels, shippedBotConfig, SHIPPED_ENSEMBLE, SHIPPED_MODELS, SHIPPED_SYMBOL, type InstalledModel } from "../../platform/ml/shipped-models";
