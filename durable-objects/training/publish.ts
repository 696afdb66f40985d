import type { TrainingEventData, TrainingEventType } from "../../core/protocol/training";

/**
 * The one place TRAINING_* events leave the training module for the user's sockets. Every event is
 * also recorded with its job (GET .../train/{job_id} returns them in order).
 * TODO(engine): append to the engine's event log (per-user seq + broadcast) once core/protocol/events.ts
 * lists the TRAINING_* types (spread TrainingEventDataSchemas into EventDataSchemas).
 */
export function publishTrainingEvent(_object: unknown, _type: TrainingEventType, _data: TrainingEventData<TrainingEventType>): void {}
