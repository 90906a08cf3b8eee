/**
 * The product's identity, defined once: its name (Pulumi project, config namespace, service,
 * namespace, cost tag), the domain of its own labels and annotations, the labels every platform
 * object carries, and the type tokens other code matches on. Imports nothing: every layer may use it.
 */

/** The product's name. */
export const APP_NAME = "claude-enhancer";

/** Domain of the platform's own Kubernetes labels and annotations (`claude-enhancer.io/track`, ...). */
export const LABEL_DOMAIN = `${APP_NAME}.io`;

/** Recommended labels every platform-level Kubernetes object carries (the service's own objects add `name`, `version` ...). */
export const PLATFORM_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/part-of": APP_NAME,
    "app.kubernetes.io/managed-by": "pulumi",
};

/** Label that tells the stable and candidate tracks of the service apart (selectors, DestinationRule subsets). */
export const TRACK_LABEL = `${LABEL_DOMAIN}/track`;

/** Deployment labels carrying the rollout stage and the track's declared traffic weight (kube-state-metrics publishes them for the rollout dashboard). */
export const STAGE_LABEL = `${LABEL_DOMAIN}/stage`;
export const WEIGHT_LABEL = `${LABEL_DOMAIN}/weight`;

/** Type token of a platform component: `claude-enhancer:<area>:<Name>`; the area is part of every child's URN, so it never changes. */
export function componentType(area: string, name: string): string {
    return `${APP_NAME}:${area}:${name}`;
}

/** The Rollout component, the HealthGate's parent (the driver finds the gate's events by it). */
export const ROLLOUT_TYPE = componentType("rollout", "Rollout");

/**
 * The HealthGate dynamic resource: the engine types a dynamic resource registered with module
 * `healthGate` and type `HealthGate` as `pulumi-nodejs:dynamic/healthGate:HealthGate`.
 */
export const HEALTH_GATE = { module: "healthGate", type: "HealthGate", token: "pulumi-nodejs:dynamic/healthGate:HealthGate" } as const;
