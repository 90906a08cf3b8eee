import type { DeclaredTraffic, LiveRouter } from "./liveRouter";
import { ALL_STABLE, headerRouteText } from "./liveRouter";

/** ingress-nginx's live router: the stage's canary Ingress, whose annotations carry the candidate's traffic. */

export interface NginxTarget {
    router: "nginx";
    namespace: string;
    canaryIngress: string;
}

/** The prefix of ingress-nginx's annotations. */
export const NGINX = "nginx.ingress.kubernetes.io";

/**
 * The canary Ingress's annotations for the declared traffic: the candidate's weight and, while declared,
 * the header route. The stage's Ingress is created with them and the cut and the restore patch them, so
 * the three always agree.
 */
export function nginxCanaryAnnotations(declared: DeclaredTraffic): Record<string, string> {
    const annotations: Record<string, string> = {
        [`${NGINX}/canary`]: "true",
        [`${NGINX}/canary-weight`]: String(declared.candidateWeight),
    };
    if (declared.headerRoute) {
        annotations[`${NGINX}/canary-by-header`] = declared.headerRoute.header;
        annotations[`${NGINX}/canary-by-header-value`] = declared.headerRoute.value;
    }
    return annotations;
}

/** Merge patch of the canary Ingress with the declared traffic; header annotations not declared are removed (null). */
export function nginxTrafficPatch(declared: DeclaredTraffic): { metadata: { annotations: Record<string, string | null> } } {
    return {
        metadata: {
            annotations: {
                [`${NGINX}/canary-by-header`]: null,
                [`${NGINX}/canary-by-header-value`]: null,
                ...nginxCanaryAnnotations(declared),
            },
        },
    };
}

export const nginxLiveRouter: LiveRouter<NginxTarget> = {
    targetFields: ["namespace", "canaryIngress"],
    objectPath: (t) =>
        `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(t.namespace)}/ingresses/${encodeURIComponent(t.canaryIngress)}`,
    objectName: (t) => `Ingress ${t.namespace}/${t.canaryIngress}`,
    // Both patches are merge patches computed from the target alone: the guard never reads the Ingress.
    access: (t) => ({ apiGroup: "networking.k8s.io", resource: "ingresses", name: t.canaryIngress, verbs: ["patch"] }),
    readsLiveObject: false,
    cutPatch: () => ({ type: "merge", body: nginxTrafficPatch(ALL_STABLE) }),
    cutReport: () => "canary-weight 0, header route removed",
    restorePatch: (_t, declared) => ({ type: "merge", body: nginxTrafficPatch(declared) }),
    restoreReport: (_t, declared) => `canary-weight ${declared.candidateWeight}${headerRouteText(declared)}`,
    // No sidecar: the service's own /metrics on its port.
    metricsEndpoint: (appPort) => ({ port: appPort, path: "/metrics" }),
};
