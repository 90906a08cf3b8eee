import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IstioConfig } from "../../config/mesh";
import type { ChartMirror } from "../../config/charts";
import { ChartRef, chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import {
    ISTIO_GATEWAY_RELEASE,
    ISTIO_RELEASES,
    authorizationPolicySpec,
    gatewaySpec,
    istioCniValues,
    istioGatewayValues,
    istiodValues,
    MeshTracing,
    peerAuthenticationSpec,
    telemetrySpec,
} from "./istioValues";
import { APP_NAME, componentType, PLATFORM_LABELS } from "../../identity";
import { releaseServiceRef, RouterController } from "./router";

/** Name of the Gateway the service's VirtualService binds to (`<istio namespace>/<name>`). */
export const PUBLIC_GATEWAY_NAME = APP_NAME;

export interface MeshArgs {
    istio: IstioConfig;
    /** ISTIO_NAMESPACE, as the Namespaces component's output. */
    istioNamespace: pulumi.Input<string>;
    /** The application namespace: mTLS STRICT and the authorization policy apply there. */
    appNamespace: pulumi.Input<string>;
    /** Namespace whose workloads may call the service besides the gateway (Prometheus'). */
    monitoringNamespace: string;
    /** Pod labels of the service's pods (both tracks). */
    serviceSelector: Record<string, string>;
    /** Public host the ingress gateway serves (app.ingress.host). */
    host: string;
    /** The trace collector every Envoy reports to; no tracing provider when undefined. */
    tracing?: MeshTracing;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * Istio (docs/architecture.md Service mesh): base (CRDs), istio-cni, istiod and an ingress gateway from the
 * official charts at one pinned version, the public Gateway, mTLS STRICT for the application
 * namespace and an authorization policy admitting only the gateway and monitoring. The rollout's
 * DestinationRule/VirtualService (TrafficSplit) bind to `gateways`.
 */
export class Mesh extends pulumi.ComponentResource implements RouterController {
    readonly istioNamespace: pulumi.Output<string>;
    /** Gateways ("namespace/name") that expose the public host, for the TrafficSplit's VirtualService. */
    readonly gateways: pulumi.Output<string[]>;
    /** Namespaces whose pods send user traffic to the service (for its NetworkPolicy). */
    readonly ingressNamespaces: pulumi.Output<string[]>;
    /** The ingress gateway's Service (the gateway chart names it after its release). */
    readonly loadBalancerService: pulumi.Output<string>;
    /** The stage's VirtualService binds to `gateways`. */
    readonly attachTo: pulumi.Output<string[]>;
    readonly stackOutputs: { istioGateways: pulumi.Output<string[]> };

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "Mesh"), name, {}, opts);
        const istio = args.istio;
        this.istioNamespace = pulumi.output(args.istioNamespace);
        const release = (
            suffix: string,
            chart: Omit<ChartRef, "version">,
            releaseName: string,
            values: pulumi.Input<Record<string, unknown>>,
            dependsOn: pulumi.Resource[],
        ) =>
            new k8s.helm.v3.Release(
                `${name}-${suffix}`,
                {
                    name: releaseName,
                    ...chartSource({ ...chart, version: istio.chartVersion }, args.chartMirror),
                    namespace: args.istioNamespace,
                    values,
                },
                { parent: this, dependsOn },
            );

        const base = release("base", CHARTS.istioBase, ISTIO_RELEASES.base, {}, []);
        const cni = release("cni", CHARTS.istioCni, ISTIO_RELEASES.cni, istioCniValues(), [base]);
        const istiod = release(
            "istiod",
            CHARTS.istiod,
            ISTIO_RELEASES.istiod,
            this.istioNamespace.apply((ns) => istiodValues(istio, ns, args.tracing)),
            [base, cni],
        );
        // The gateway's pods are injected by istiod's webhook, so istiod must be up first.
        const gateway = release("gateway", CHARTS.istioGateway, ISTIO_GATEWAY_RELEASE, istioGatewayValues(istio), [istiod]);

        // Istio's custom resources need its CRDs (base) and are checked by istiod's validating webhook.
        const afterIstio = { parent: this, dependsOn: [base, istiod] };
        const publicGateway = new k8s.apiextensions.CustomResource(
            `${name}-public-gateway`,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "Gateway",
                metadata: { name: PUBLIC_GATEWAY_NAME, namespace: args.istioNamespace, labels: PLATFORM_LABELS },
                spec: gatewaySpec(args.host, istio.tlsCredentialName),
            },
            { parent: this, dependsOn: [base, istiod, gateway] },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-peer-authentication`,
            {
                apiVersion: "security.istio.io/v1",
                kind: "PeerAuthentication",
                // "default" is the namespace-wide policy: every workload in the namespace.
                metadata: { name: "default", namespace: args.appNamespace, labels: PLATFORM_LABELS },
                spec: peerAuthenticationSpec(istio.mtlsMode),
            },
            afterIstio,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-authorization-policy`,
            {
                apiVersion: "security.istio.io/v1",
                kind: "AuthorizationPolicy",
                metadata: { name: `${APP_NAME}-callers`, namespace: args.appNamespace, labels: PLATFORM_LABELS },
                spec: this.istioNamespace.apply((ns) =>
                    authorizationPolicySpec({
                        selector: args.serviceSelector,
                        istioNamespace: ns,
                        monitoringNamespace: args.monitoringNamespace,
                    }),
                ),
            },
            afterIstio,
        );

        if (args.tracing) {
            new k8s.apiextensions.CustomResource(
                `${name}-telemetry`,
                {
                    apiVersion: "telemetry.istio.io/v1",
                    kind: "Telemetry",
                    // "mesh-default" in the root namespace applies to every workload of the mesh.
                    metadata: { name: "mesh-default", namespace: args.istioNamespace, labels: PLATFORM_LABELS },
                    spec: telemetrySpec(args.tracing),
                },
                afterIstio,
            );
        }

        this.gateways = pulumi.all([this.istioNamespace, publicGateway.metadata.name]).apply(([ns, gw]) => [`${ns}/${gw}`]);
        this.ingressNamespaces = this.istioNamespace.apply((ns) => [ns]);
        this.loadBalancerService = gateway.status.apply((status) => releaseServiceRef(status));
        this.attachTo = this.gateways;
        this.stackOutputs = { istioGateways: this.gateways };
        this.registerOutputs({
            gateways: this.gateways,
            ingressNamespaces: this.ingressNamespaces,
            loadBalancerService: this.loadBalancerService,
        });
    }
}
