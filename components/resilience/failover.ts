import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Database } from "../data/database";
import type { StoreLocation } from "../data/dataStoreNetwork";
import type { DisasterRecovery } from "./dr";

/** The database the service uses and a rollout snapshots: the primary, or the promoted DR instance. */
export interface ActiveDatabase {
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    credentialsSecretArn?: pulumi.Output<string | undefined>;
    kmsKeyArn?: pulumi.Output<string>;
    /** Where it runs, for the service's NetworkPolicy. */
    location: StoreLocation;
    /** RDS instance identifier (the pre-rollout snapshot's source); undefined in-cluster. */
    instanceIdentifier?: pulumi.Output<string>;
    /** Provider of the instance's region, when it is not the stack's default. */
    provider?: aws.Provider;
}

/**
 * `dr.activeDatabase: dr` is the failover switch (docs/dr-runbook.md): the promoted DR instance
 * becomes the stack's database, reached in the peered DR VPC (outside network.cidr) and snapshotted
 * in the DR region before a rollout. Otherwise the primary, where `primaryLocation` says it runs.
 */
export function activeDatabase(args: {
    database: Database;
    primaryLocation: StoreLocation;
    failover?: { dr: DisasterRecovery; vpcCidr: string; provider: aws.Provider };
}): ActiveDatabase {
    const { database, failover } = args;
    if (failover) {
        return {
            host: failover.dr.replicaAddress,
            port: failover.dr.replicaPort,
            credentialsSecretArn: failover.dr.credentialsSecretArn,
            kmsKeyArn: failover.dr.kmsKeyArn,
            location: { cidrs: [failover.vpcCidr] },
            instanceIdentifier: failover.dr.replicaIdentifier,
            provider: failover.provider,
        };
    }
    return {
        host: database.host,
        port: database.port,
        credentialsSecretArn: database.credentialsSecretArn,
        kmsKeyArn: database.kmsKeyArn,
        location: args.primaryLocation,
        instanceIdentifier: database.primary?.identifier,
    };
}
