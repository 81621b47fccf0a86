// Turns an AbortSignal's reason into the words recorded in step-end and run-end.

/** The reason an AbortSignal carries, in words for step-end and run-end. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === "string" && reason !== "") return reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  return "cancelled";
}
