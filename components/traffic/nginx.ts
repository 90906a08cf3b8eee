import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IngressNginxConfig } from "../../config/mesh";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import { INGRESS_NGINX_RELEASE, ingressNginxValues } from "./nginxValues";
import { componentType } from "../../identity";
import { releaseServiceRef, RouterController } from "./router";

export interface IngressNginxArgs {
    ingressNginx: IngressNginxConfig;
    /** INGRESS_NGINX_NAMESPACE, as the Namespaces component's output. */
    namespace: pulumi.Input<string>;
    /**
     * The monitoring stack's Helm release, when the controller's ServiceMonitor should be created
     * (its CRD comes with that release).
     */
    monitoringRelease?: pulumi.Resource;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * ingress-nginx (router `nginx`, docs/architecture.md): the ingress controller for clusters without Istio. The
 * TrafficSplit's main and canary Ingresses use its IngressClass and canary annotations.
 */
export class IngressNginx extends pulumi.ComponentResource implements RouterController {
    readonly ingressClassName: string;
    readonly namespace: pulumi.Output<string>;
    /** Namespaces whose pods send user traffic to the service (for its NetworkPolicy). */
    readonly ingressNamespaces: pulumi.Output<string[]>;
    /** The controller's Service (`<release>-controller` in the chart). */
    readonly loadBalancerService: pulumi.Output<string>;
    /** The stage's Ingresses use its IngressClass. */
    readonly attachTo: string[];
    readonly stackOutputs: { ingressClassName: string };

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "IngressNginx"), name, {}, opts);
        this.ingressClassName = args.ingressNginx.ingressClassName;
        this.namespace = pulumi.output(args.namespace);
        const release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: INGRESS_NGINX_RELEASE,
                ...chartSource({ ...CHARTS.ingressNginx, version: args.ingressNginx.chartVersion }, args.chartMirror),
                namespace: args.namespace,
                values: ingressNginxValues(args.ingressNginx, args.monitoringRelease !== undefined),
            },
            { parent: this, dependsOn: args.monitoringRelease ? [args.monitoringRelease] : [] },
        );
        this.ingressNamespaces = this.namespace.apply((ns) => [ns]);
        this.loadBalancerService = release.status.apply((status) => releaseServiceRef(status, "-controller"));
        this.attachTo = [this.ingressClassName];
        this.stackOutputs = { ingressClassName: this.ingressClassName };
        this.registerOutputs({
            ingressClassName: this.ingressClassName,
            ingressNamespaces: this.ingressNamespaces,
            loadBalancerService: this.loadBalancerService,
        });
    }
}
