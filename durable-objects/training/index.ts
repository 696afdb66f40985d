export { TrainingJobs, SLICE_BUDGET_UNITS, ORT_TOLERANCE, type TrainingHost, type StartInput, type StartResult } from "./job";
export { buildTrainingSet, TrainingInputError, MIN_ROWS } from "./dataset";
export { JobStore } from "./job-store";
export { armTrainingAlarm, SLICE_GAP_MS } from "./alarm";
export { publishTrainingEvent } from "./publish";
