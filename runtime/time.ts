// Kubernetes timestamp formats: metav1.Time is RFC 3339 in seconds, metav1.MicroTime in microseconds.

export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
