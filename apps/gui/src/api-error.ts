// The API's errors: every refusal is JSON `{error: {code, message, hint?}}` with an HTTP status
// that says which kind it is. RunyardErrors from the packages keep their code; the status is
// chosen by it (a run that is not there is 404, one in the wrong state 409).
import { RunyardError } from "@runyard/schema";
import type { ApiErrorBody } from "./api-schemas.js";

export type ApiStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 421 | 500;

export class ApiError extends RunyardError {
  readonly status: ApiStatus;

  constructor(
    status: ApiStatus,
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.status = status;
  }
}

const STATUS_BY_CODE: Record<string, ApiStatus> = {
  E_RUN_NOT_FOUND: 404,
  E_RUN_FILE_MISSING: 404,
  E_RUN_META: 404,
  E_RUN_REFERENCE_INVALID: 400,
  E_RUN_REFERENCE_AMBIGUOUS: 400,
  E_INVALID_FILE: 500,
  E_RUN_FILE_REFUSED: 403,
  E_RUN_RUNNING: 409,
  E_RUN_STATE_UNKNOWN: 409,
  E_RUN_NOT_REMOVABLE: 409,
  E_RUN_ENDED: 409,
  E_RUN_ELSEWHERE: 409,
  E_CANCEL_REFUSED: 409,
  E_CANCEL_FAILED: 500,
  E_RESUME: 409,
  E_RUN_LOCKED: 409,
  E_INVALID_RUN_ID: 400,
  E_PARAMS: 400,
  E_RUN_OPTIONS: 400,
  E_WORKFLOW_INVALID: 400,
  E_WORKFLOW_READ: 400,
  E_UNKNOWN_STEP: 404,
  E_STEP_ENDED: 409,
  E_CANCEL: 409,
};

/** The status for an error a package threw. */
export function statusFor(error: unknown): ApiStatus {
  if (error instanceof ApiError) return error.status;
  if (error instanceof RunyardError) return STATUS_BY_CODE[error.code] ?? 500;
  return 500;
}

/** The JSON body for any error: a RunyardError's code, message and hint, else E_INTERNAL. */
export function errorBody(error: unknown): ApiErrorBody {
  if (error instanceof RunyardError) {
    return {
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      },
    };
  }
  return {
    error: { code: "E_INTERNAL", message: error instanceof Error ? error.message : String(error) },
  };
}
