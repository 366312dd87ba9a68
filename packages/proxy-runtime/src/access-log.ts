/** Structured access log entries, handed to `ProxyRuntimeOptions.onAccessLog`. */

/** One finished HTTP request or TCP (passthrough) session. */
export interface AccessLogEntry {
  /** `http` for requests on either listener, `tcp` for passthrough sessions. */
  readonly kind: 'http' | 'tcp';
  /** Unix time in ms when the request (or session) started. */
  readonly startTime: number;
  /** Total duration in ms. */
  readonly durationMs: number;
  /** Client address (after PROXY protocol, when enabled). */
  readonly clientAddress: string;
  readonly clientPort: number;
  /** `http`, `https` (terminated here) or `tls` (passthrough). */
  readonly frontend: 'http' | 'https' | 'tls';
  /** Request method (HTTP only). */
  readonly method?: string;
  /** Lower-cased Host header, or the SNI for passthrough. */
  readonly host: string;
  /** Request target as received (HTTP only). */
  readonly url?: string;
  /** HTTP version of the request, `1.1` or `2.0` (HTTP only). */
  readonly httpVersion?: string;
  /** HTTP status sent to the client (0 when the connection was closed without a response). */
  readonly status: number;
  /** The backend (`be_http:ns:name`, ...), or `openshift_default` when nothing matched. */
  readonly backend: string;
  /** The server ID that answered, if any. */
  readonly server?: string;
  /** Request body bytes received from the client. */
  readonly bytesIn: number;
  /** Response bytes sent to the client (body only for HTTP). */
  readonly bytesOut: number;
  /** Index of the worker process that served it (`workers > 1` only). */
  readonly worker?: number;
  /** Why the request ended abnormally (`client-abort`, `connect-refused`, `server-timeout`, ...). */
  readonly termination?: string;
}
