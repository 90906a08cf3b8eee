import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TracingConfig } from "../../config/observability";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import { JAEGER_RELEASE, OTLP_GRPC_PORT, OTLP_HTTP_PORT, jaegerValues } from "./tracingValues";
import { componentType, PLATFORM_LABELS } from "../../identity";

export interface TracingArgs {
    tracing: TracingConfig;
    /** TRACING_NAMESPACE (Pod Security "restricted"), as the Namespaces component's output. */
    namespace: pulumi.Input<string>;
    /** StorageClass of the trace store's volume; the cluster default when undefined. */
    storageClassName?: pulumi.Input<string>;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * Tracing (docs/architecture.md): Jaeger v2 all-in-one receiving OTLP, storing spans in Badger on a persistent
 * volume for `retentionHours`. Applications send OTLP to `otlpGrpcEndpoint` / `otlpHttpEndpoint`.
 */
export class Tracing extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly otlpGrpcEndpoint: pulumi.Output<string>;
    readonly otlpHttpEndpoint: pulumi.Output<string>;

    constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("observability", "Tracing"), name, {}, opts);
        this.namespace = pulumi.output(args.namespace);
        const claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-badger`,
            {
                metadata: { name: "jaeger-badger", namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClassName,
                    resources: { requests: { storage: `${args.tracing.storageGb}Gi` } },
                },
            },
            { parent: this },
        );
        new k8s.helm.v3.Release(
            `${name}-jaeger`,
            {
                name: JAEGER_RELEASE,
                ...chartSource({ ...CHARTS.jaeger, version: args.tracing.chartVersion }, args.chartMirror),
                namespace: args.namespace,
                values: claim.metadata.name.apply((claimName) => jaegerValues(args.tracing, claimName)),
            },
            { parent: this },
        );
        const host = pulumi.interpolate`${JAEGER_RELEASE}.${this.namespace}.svc.cluster.local`;
        this.otlpGrpcEndpoint = pulumi.interpolate`http://${host}:${OTLP_GRPC_PORT}`;
        this.otlpHttpEndpoint = pulumi.interpolate`http://${host}:${OTLP_HTTP_PORT}`;
        this.registerOutputs({ otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}
