import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { RolloutConfig } from "../config/rollout";
import { Stage, stageWeights } from "../rollout/stages";
import { APP_NAME, Application, TRACK_LABEL, dnsLabel } from "./application";
import { TrafficSplit, TrafficSplitArgs } from "./trafficSplit";

export interface RolloutArgs {
    environment: string;
    /** The stage this update converges to, resolved from the stage table. */
    stage: Stage;
    rollout: Pick<RolloutConfig, "stableVersion" | "candidateVersion" | "migration" | "preRolloutSnapshot">;
    application: Application;
    /** How traffic reaches the service (router, public entry); the stage's weights are added here. */
    traffic: Omit<TrafficSplitArgs, "stage" | "services" | "trackLabel" | "namespace">;
    /** The RDS instance to snapshot when a rollout starts; absent when the database is not RDS. */
    rdsInstanceIdentifier?: pulumi.Input<string>;
}

/**
 * One stage of the rollout as a stack update (SPEC §4): the data safety steps of a rollout (a
 * pre-rollout RDS snapshot, the candidate's schema migration), then the traffic split with the
 * stage's weights — only after the migration succeeded and both tracks are ready.
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

    constructor(name: string, args: RolloutArgs, opts?: pulumi.ComponentResourceOptions) {
        super("claude-enhancer:rollout:Rollout", name, {}, opts);
        const { stage, rollout, application } = args;
        this.stage = stage.name;
        this.weights = stageWeights(stage);
        // The data safety steps belong to the forward stages; rollback and stable drop them (the snapshot stays in AWS).
        const candidate = stage.forward ? rollout.candidateVersion : undefined;
        if (stage.forward && candidate === undefined) throw new Error(`stage ${stage.name} needs a candidateVersion`);

        const dataSafety: pulumi.Resource[] = [];
        if (candidate !== undefined && args.rdsInstanceIdentifier !== undefined && rollout.preRolloutSnapshot) {
            const snapshot = this.preRolloutSnapshot(name, args.environment, candidate, args.rdsInstanceIdentifier);
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
                        labels: { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/component": "migration", "app.kubernetes.io/managed-by": "pulumi" },
                    },
                    spec: {
                        backoffLimit: rollout.migration.backoffLimit,
                        activeDeadlineSeconds: rollout.migration.timeoutSeconds,
                        template: application.taskPodTemplate(candidate, rollout.migration.command, { "app.kubernetes.io/component": "migration" }),
                    },
                },
                {
                    parent: this,
                    // The schema changes only once the rollback point exists.
                    dependsOn: [...dataSafety],
                    // Pulumi waits for the Job to complete; give it the Job's own deadline plus scheduling time.
                    customTimeouts: { create: `${rollout.migration.timeoutSeconds + 120}s`, update: `${rollout.migration.timeoutSeconds + 120}s` },
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

        this.registerOutputs({
            stage: this.stage,
            weights: this.weights,
            snapshotIdentifier: this.snapshotIdentifier,
            migrationJobName: this.migrationJobName,
        });
    }

    /**
     * The data rollback point: a manual RDS snapshot named after the candidate version (plus a suffix
     * drawn once per rollout, so rolling the same version out again later gets a fresh snapshot).
     * Kept in AWS when the rollout ends and the resource leaves the program.
     */
    private preRolloutSnapshot(name: string, environment: string, version: string, instance: pulumi.Input<string>): aws.rds.Snapshot {
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
            { parent: this, retainOnDelete: true },
        );
    }
}
