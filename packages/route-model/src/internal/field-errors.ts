/** Kubernetes `field.Error` texts, so messages read like the API server's and OpenShift's. */

/** One validation problem: the field path and the Kubernetes-style message. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

function quote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { field, message: `${field}: Invalid value: ${quote(value)}: ${detail}` };
}
export function required(field: string, detail?: string): FieldError {
  return { field, message: `${field}: Required value${detail ? `: ${detail}` : ''}` };
}
export function forbidden(field: string, detail: string): FieldError {
  return { field, message: `${field}: Forbidden: ${detail}` };
}
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  return {
    field,
    message: `${field}: Unsupported value: ${quote(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  };
}
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { field, message: `${field}: Too many: ${actual}: must have at most ${max} items` };
}
export function duplicate(field: string, value: unknown): FieldError {
  return { field, message: `${field}: Duplicate value: ${quote(value)}` };
}

/** `utilerrors.NewAggregate(errs).Error()`: one message as is, several in brackets. */
export function aggregate(errors: readonly FieldError[]): string {
  if (errors.length === 1) return errors[0]!.message;
  return `[${errors.map((e) => e.message).join(', ')}]`;
}
