import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IngressNginxConfig } from "../../config/mesh";
import { INGRESS_NGINX_RELEASE, INGRESS_NGINX_REPO, ingressNginxValues } from "./nginxValues";
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

    constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "IngressNginx"), name, {}, opts);
        this.ingressClassName = args.ingressNginx.ingressClassName;
        this.namespace = pulumi.output(args.namespace);
        const release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: INGRESS_NGINX_RELEASE,
                chart: "ingress-nginx",
                version: args.ingressNginx.chartVersion,
                repositoryOpts: { repo: INGRESS_NGINX_REPO },
                namespace: args.namespace,
                values: ingressNginxValues(args.ingressNginx, args.monitoringRelease !== undefined),
            },
            { parent: this, dependsOn: args.monitoringRelease ? [args.monitoringRelease] : [] },
        );
        this.ingressNamespaces = this.namespace.apply((ns) => [ns]);
        this.loadBalancerService = release.status.apply((status) => releaseServiceRef(status, "-controller"));
        this.registerOutputs({
            ingressClassName: this.ingressClassName,
            ingressNamespaces: this.ingressNamespaces,
            loadBalancerService: this.loadBalancerService,
        });
    }
}
