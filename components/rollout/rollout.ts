import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ApiServerAddress } from "../kubernetes/networkPeers";
import * as random from "@pulumi/random";
import type { GatesConfig } from "../../config/gates";
import type { MetricsConfig } from "../../config/metrics";
import type { RolloutConfig } from "../../config/rollout";
import { HealthGate, HealthGateCheckOutput, HealthGatePrometheus } from "../../providers/healthGate";
import { StageRecord } from "../../providers/stageRecord";
import { gateForStage } from "../../rollout/gate/gates";
import { Stage, stageWeights } from "../../rollout/stages";
import { Application } from "../app/application";
import { dnsLabel } from "../app/podSpec";
import { TrafficSplit, TrafficSplitArgs } from "../traffic/trafficSplit";
import { SmokeCheck } from "./smokeCheck";
import { RolloutGuard } from "./guard";
import { declaredTraffic } from "../traffic/router";
import { APP_NAME, componentType, TRACK_LABEL } from "../../identity";

export interface RolloutGateArgs {
    gates: GatesConfig;
    metrics: MetricsConfig;
    /** Kubeconfig (a secret) for the API server's service proxy to Prometheus and for the fast traffic cut. */
    kubeconfig: pulumi.Input<string>;
    context?: string;
    /** Where the rollout guard's pod reaches the Kubernetes API server (its NetworkPolicy). */
    apiServer: ApiServerAddress;
}

/** The `gateVerdict` stack output: how the stage's gate decided, and the last value of every check. */
export interface GateVerdict {
    stage: string;
    verdict: string;
    evaluatedAt: string;
    evaluations: number;
    checks: Record<string, HealthGateCheckOutput>;
}

export interface RolloutArgs {
    environment: string;
    /** The stage this update converges to, resolved from the stage table. */
    stage: Stage;
    rollout: Pick<RolloutConfig, "stableVersion" | "candidateVersion" | "migration" | "preRolloutSnapshot" | "allowStageJump">;
    application: Application;
    /** How traffic reaches the service (router, public entry); the stage's weights are added here. */
    traffic: Omit<TrafficSplitArgs, "stage" | "services" | "trackLabel" | "namespace">;
    /** The RDS instance to snapshot when a rollout starts; absent when the database is not RDS. */
    rdsInstanceIdentifier?: pulumi.Input<string>;
    /** Provider of the region that instance lives in, when it is not the stack's primary region (a promoted DR instance). */
    rdsProvider?: aws.Provider;
    gate: RolloutGateArgs;
    /**
     * The router's address as the machine running `pulumi up` reaches it (`cluster.routerUrl`); when
     * set, every traffic move is followed by a smoke check of the service's health endpoint through it.
     */
    routerUrl?: string;
}

/** The endpoint the smoke check requests (SPEC §1: the service's readiness endpoint). */
export const SMOKE_CHECK_PATH = "/health/ready";
/** How long the smoke check keeps trying a route that has just changed. */
export const SMOKE_CHECK_TIMEOUT_SECONDS = 60;

/**
 * One stage of the rollout as a stack update (SPEC §4): the data safety steps of a rollout (a
 * pre-rollout RDS snapshot, the candidate's schema migration), then the traffic split with the
 * stage's weights — only after the migration succeeded and both tracks are ready — and, in every
 * traffic-raising stage, the HealthGate that holds the update for the bake once the weights and
 * replicas are applied. `stable` and `rollback` raise no traffic and have no gate.
 *
 * The snapshot and migration Job carry the candidate version in their names and stay declared
 * through the forward stages, so they run once per rollout, when it starts. Rollback and stable
 * drop them: the Job is deleted, the snapshot is kept in AWS as the data rollback point.
 */
export class Rollout extends pulumi.ComponentResource {
    readonly stage: string;
    readonly weights: { stable: number; candidate: number };
    readonly trafficSplit: TrafficSplit;
    readonly snapshotIdentifier?: pulumi.Output<string>;
    readonly migrationJobName?: pulumi.Output<string>;
    readonly gate?: HealthGate;
    /** Undefined in stages without a gate. */
    readonly gateVerdict?: pulumi.Output<GateVerdict>;
    /** Watches the stage's rollback triggers between updates; undefined in stages without a gate. */
    readonly guard?: RolloutGuard;
    /** The stage this stack last completed, judged against by every update (docs/rollout.md, "Sequencing"). */
    readonly stageRecord: StageRecord;

    constructor(name: string, args: RolloutArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("rollout", "Rollout"), name, {}, opts);
        const { stage, rollout, application } = args;
        this.stage = stage.name;
        this.weights = stageWeights(stage);
        // The data safety steps belong to the forward stages; rollback and stable drop them (the snapshot stays in AWS).
        const candidate = stage.forward ? rollout.candidateVersion : undefined;
        if (stage.forward && candidate === undefined) throw new Error(`stage ${stage.name} needs a candidateVersion`);

        const dataSafety: pulumi.Resource[] = [];
        if (candidate !== undefined && args.rdsInstanceIdentifier !== undefined && rollout.preRolloutSnapshot) {
            const snapshot = this.preRolloutSnapshot(name, args.environment, candidate, args.rdsInstanceIdentifier, args.rdsProvider);
            this.snapshotIdentifier = snapshot.dbSnapshotIdentifier;
            dataSafety.push(snapshot);
        }
        if (candidate !== undefined && rollout.migration.enabled) {
            const job = new k8s.batch.v1.Job(
                `${name}-migrate-${candidate}`,
                {
                    metadata: {
                        name: dnsLabel(`${APP_NAME}-migrate-${candidate}`),
                        namespace: application.namespace,
                        labels: {
                            "app.kubernetes.io/name": APP_NAME,
                            "app.kubernetes.io/component": "migration",
                            "app.kubernetes.io/managed-by": "pulumi",
                        },
                    },
                    spec: {
                        backoffLimit: rollout.migration.backoffLimit,
                        activeDeadlineSeconds: rollout.migration.timeoutSeconds,
                        template: application.taskPodTemplate(candidate, rollout.migration.command, {
                            "app.kubernetes.io/component": "migration",
                        }),
                    },
                },
                {
                    parent: this,
                    // The schema changes only once the rollback point exists.
                    dependsOn: [...dataSafety],
                    // Pulumi waits for the Job to complete; give it the Job's own deadline plus scheduling time.
                    customTimeouts: {
                        create: `${rollout.migration.timeoutSeconds + 120}s`,
                        update: `${rollout.migration.timeoutSeconds + 120}s`,
                    },
                },
            );
            this.migrationJobName = job.metadata.name;
            dataSafety.push(job);
        }

        this.trafficSplit = new TrafficSplit(
            `${name}-traffic`,
            {
                ...args.traffic,
                namespace: application.namespace,
                stage,
                services: application.services,
                trackLabel: { key: TRACK_LABEL, stable: "stable", candidate: "candidate" },
            },
            // Traffic moves only when both tracks are ready (the Application's children) and the data is safe.
            { parent: this, dependsOn: [application, ...dataSafety] },
        );

        // After every traffic move (any change of stage, weights or versions), before the bake starts.
        const smokeCheck =
            args.routerUrl === undefined
                ? []
                : [
                      new SmokeCheck(
                          `${name}-smoke`,
                          {
                              routerUrl: args.routerUrl,
                              host: args.traffic.entry.host,
                              path: SMOKE_CHECK_PATH,
                              timeoutSeconds: SMOKE_CHECK_TIMEOUT_SECONDS,
                              trafficMove: [
                                  stage.name,
                                  String(this.weights.candidate),
                                  rollout.stableVersion,
                                  rollout.candidateVersion ?? "",
                              ],
                          },
                          { parent: this, dependsOn: [this.trafficSplit, application] },
                      ),
                  ];

        if (stage.forward) {
            const gate = this.healthGate(name, args, candidate!, smokeCheck);
            this.gate = gate;
            this.gateVerdict = pulumi
                .all([gate.verdict, gate.evaluatedAt, gate.evaluations, gate.checks])
                .apply(([verdict, evaluatedAt, evaluations, checks]) => ({ stage: stage.name, verdict, evaluatedAt, evaluations, checks }));
            // Between updates the guard watches; during the bake the gate does, so the guard (re)starts once it passed.
            this.guard = new RolloutGuard(
                `${name}-guard`,
                {
                    namespace: application.namespace,
                    gate: gateForStage(args.gate.gates, args.gate.metrics, stage.name, stage.bakeMinutes * 60, stage.weight),
                    versions: { candidate: candidate!, stable: rollout.stableVersion },
                    target: this.trafficSplit.trafficCut,
                    prometheus: args.gate.gates.prometheus,
                    apiServer: args.gate.apiServer,
                },
                { parent: this, dependsOn: [gate] },
            );
        }

        // Written last: only once the stage's gate passed (or, without a gate, its traffic and tracks are applied).
        this.stageRecord = new StageRecord(
            `${name}-stage`,
            {
                stage: stage.name,
                stableVersion: rollout.stableVersion,
                candidateVersion: rollout.candidateVersion,
                allowStageJump: rollout.allowStageJump,
            },
            { parent: this, dependsOn: this.gate ? [this.gate] : [this.trafficSplit, application, ...smokeCheck] },
        );

        this.registerOutputs({
            stage: this.stage,
            gateVerdict: this.gateVerdict,
            weights: this.weights,
            snapshotIdentifier: this.snapshotIdentifier,
            migrationJobName: this.migrationJobName,
        });
    }

    /**
     * The stage's gate (SPEC §4): the definition the stack's gate config gives for this stage and its
     * bake, Prometheus by URL or through the API server's service proxy, and the router objects the
     * fast traffic cut patches. It waits for the weights and both tracks to be applied (and the smoke check).
     */
    private healthGate(name: string, args: RolloutArgs, candidate: string, smokeCheck: SmokeCheck[]): HealthGate {
        const { gates, metrics, kubeconfig, context } = args.gate;
        const endpoint = gates.prometheus;
        const prometheus: HealthGatePrometheus =
            "url" in endpoint ? { url: endpoint.url } : { service: endpoint.service, kubeconfig, context };
        return new HealthGate(
            `${name}-gate`,
            {
                stage: args.stage.name,
                candidateVersion: candidate,
                stableVersion: args.rollout.stableVersion,
                prometheus,
                gate: gateForStage(gates, metrics, args.stage.name, args.stage.bakeMinutes * 60, args.stage.weight),
                trafficCut: {
                    kubeconfig,
                    context,
                    target: this.trafficSplit.trafficCut,
                    // The gate sets the live router to these before judging: a retry after a cut converges (docs/rollout.md).
                    declared: declaredTraffic(args.stage),
                },
            },
            { parent: this, dependsOn: [this.trafficSplit, args.application, ...smokeCheck] },
        );
    }

    /**
     * The data rollback point: a manual RDS snapshot named after the candidate version (plus a suffix
     * drawn once per rollout, so rolling the same version out again later gets a fresh snapshot).
     * Kept in AWS when the rollout ends and the resource leaves the program.
     */
    private preRolloutSnapshot(
        name: string,
        environment: string,
        version: string,
        instance: pulumi.Input<string>,
        provider?: aws.Provider,
    ): aws.rds.Snapshot {
        const suffix = new random.RandomId(`${name}-snapshot-suffix-${version}`, { byteLength: 3, keepers: { version } }, { parent: this });
        const base = dnsLabel(`${APP_NAME}-${environment}-pre-rollout-${version}`, 240);
        return new aws.rds.Snapshot(
            `${name}-pre-rollout-${version}`,
            {
                dbInstanceIdentifier: instance,
                // RDS snapshot ids: letters, digits and single hyphens, starting with a letter.
                dbSnapshotIdentifier: suffix.hex.apply((hex) => `${base}-${hex}`),
                tags: { Purpose: "pre-rollout", CandidateVersion: version },
            },
            { parent: this, retainOnDelete: true, provider },
        );
    }
}
