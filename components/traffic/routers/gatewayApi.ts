import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GatewayApiConfig } from "../../../config/mesh";
import { GATEWAY_API_GROUP, GatewayApiTarget, gatewayApiHeaderRule, gatewayApiLiveRouter } from "../../../rollout/gate/routers/gatewayApi";
import { WEIGHTED_ROUTE_NAME } from "../../../rollout/gate/routers/liveRouter";
import { componentType } from "../../../identity";
import { FORCE_APPLY_ANNOTATIONS, RouterController, RouterModule, TrafficSplitArgs, declaredTraffic } from "../router";

/**
 * The Gateway API router: per stage, an HTTPRoute (gateway.networking.k8s.io/v1) on the platform team's
 * Gateway, sending requests to the stable and candidate Services by backendRef weight, and those with the
 * canary header to the candidate. The program installs no Gateway controller and no Gateway: the Gateway
 * is named by `mesh.gatewayApi`, and its listeners (TLS, the host's certificate, which namespaces may attach
 * routes) are the platform team's. No sidecar.
 */

/**
 * The platform team's Gateway as the program refers to it: no child resource, only what the service's
 * HTTPRoute attaches to and whose proxies the service's NetworkPolicy admits.
 */
export class SharedGateway extends pulumi.ComponentResource implements RouterController {
    readonly ingressNamespaces: pulumi.Output<string[]>;
    /** "namespace/name" of the Gateway. */
    readonly attachTo: string[];
    readonly stackOutputs: { gateway: string };

    constructor(name: string, args: GatewayApiConfig, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "SharedGateway"), name, {}, opts);
        const gateway = `${args.gatewayNamespace}/${args.gatewayName}`;
        this.attachTo = [gateway];
        this.ingressNamespaces = pulumi.output([args.proxyNamespace ?? args.gatewayNamespace]);
        this.stackOutputs = { gateway };
        this.registerOutputs({ gateway, ingressNamespaces: this.ingressNamespaces });
    }
}

/**
 * HTTPRoute spec: attached to `gateways` ("namespace/name") for the public host; requests with
 * `x-canary-user: true` go to the candidate Service (while the stage has the header route), everything
 * else is split between the stable and candidate Services by the stage's weights (summing to 100).
 */
export function httpRouteSpec(args: Pick<TrafficSplitArgs, "stage" | "services" | "entry">, gateways: string[]): Record<string, unknown> {
    const declared = declaredTraffic(args.stage);
    const backend = (service: string) => ({ name: service, port: args.services.port });
    const rules: Record<string, unknown>[] = [];
    if (declared.headerRoute) rules.push(gatewayApiHeaderRule(declared.headerRoute, backend(args.services.candidate)));
    rules.push({
        name: WEIGHTED_ROUTE_NAME,
        backendRefs: [
            { ...backend(args.services.stable), weight: 100 - declared.candidateWeight },
            { ...backend(args.services.candidate), weight: declared.candidateWeight },
        ],
    });
    return {
        parentRefs: gateways.map((gateway) => {
            const [namespace, name] = gateway.split("/");
            return { group: GATEWAY_API_GROUP, kind: "Gateway", namespace, name };
        }),
        hostnames: [args.entry.host],
        rules,
    };
}

/** Creates the HTTPRoute (the weighted object the gate's fast cut patches). */
function gatewayApiSplit(name: string, args: TrafficSplitArgs, labels: Record<string, string>, parent: pulumi.Resource) {
    const httpRoute = new k8s.apiextensions.CustomResource(
        `${name}-http-route`,
        {
            apiVersion: `${GATEWAY_API_GROUP}/v1`,
            kind: "HTTPRoute",
            metadata: { name: args.services.main, namespace: args.namespace, labels, annotations: FORCE_APPLY_ANNOTATIONS },
            spec: pulumi.output(args.attachTo ?? []).apply((gateways) => httpRouteSpec(args, gateways)),
        },
        { parent },
    );
    return {
        weightedObject: httpRoute,
        trafficCut: pulumi.all([pulumi.output(args.namespace), httpRoute.metadata.name]).apply(([ns, route]): GatewayApiTarget => ({
            router: "gateway-api",
            namespace: ns,
            httpRoute: route,
            rule: WEIGHTED_ROUTE_NAME,
            stableService: args.services.stable,
            candidateService: args.services.candidate,
        })),
    };
}

export const gatewayApiRouter: RouterModule = {
    live: gatewayApiLiveRouter,
    namespaces: [],
    controller: ({ mesh }, opts) => {
        // The schema requires it with this router.
        if (!mesh.gatewayApi) throw new Error('mesh.gatewayApi is required when mesh.router is "gateway-api"');
        return new SharedGateway("gateway", mesh.gatewayApi, opts);
    },
    split: gatewayApiSplit,
    workloadEgress: [],
};
