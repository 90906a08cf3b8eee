/** Recommended labels every platform-level Kubernetes object carries (the service's own objects add `name`, `version` ...). */
export const PLATFORM_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/part-of": "claude-enhancer", "app.kubernetes.io/managed-by": "pulumi" };
