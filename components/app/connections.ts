import * as pulumi from "@pulumi/pulumi";
import type { StoreLocation } from "../data/dataStoreNetwork";

/** How the service gets the database password. */
export type DatabaseCredentials =
    /** A Pulumi secret, handed to the pods in a Kubernetes Secret (the in-cluster database). */
    | { kind: "password"; username: pulumi.Input<string>; password: pulumi.Input<string> }
    /**
     * A Secrets Manager secret the pods read at run time through IRSA (RDS-managed master password):
     * RDS rotates it, so a copy taken at deployment would stop working after the first rotation.
     */
    | {
          kind: "secretsManager";
          username: pulumi.Input<string>;
          secretArn: pulumi.Input<string>;
          /** Key encrypting the secret, when it is a customer-managed one. */
          kmsKeyArn?: pulumi.Input<string>;
          /** The cluster's OIDC provider and its issuer without https://. */
          irsa: { oidcProviderArn: pulumi.Input<string>; issuerHostPath: pulumi.Input<string> };
      };

export interface DatabaseConnection {
    host: pulumi.Input<string>;
    /** Endpoint for read-only queries (the read replica); the primary's host when the stack has none. */
    readHost?: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: pulumi.Input<string>;
    credentials: DatabaseCredentials;
    /** Server requires TLS (RDS with rds.force_ssl=1). */
    tls: boolean;
    network: StoreLocation;
}

export interface CacheConnection {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    /** AUTH token (a Pulumi secret), when the cache requires one. */
    authToken?: pulumi.Input<string>;
    tls: boolean;
    network: StoreLocation;
}

/**
 * How the pods reach the AWS APIs they call (Secrets Manager for the database credentials, STS for the
 * IRSA token exchange).
 */
export type AwsApiRoute =
    /** Interface VPC endpoints, whose network interfaces live in these CIDR blocks (the private subnets). */
    | { kind: "endpoints"; cidrs: string[] }
    /** The public endpoints, on 443 to any address, and why no VPC endpoint serves them (written on the NetworkPolicy). */
    | { kind: "public"; reason: string };

/** What decides how the service reads its database password. */
export interface CredentialSources {
    username: pulumi.Input<string>;
    /** The database's own password (in-cluster PostgreSQL), a Pulumi secret. */
    password?: pulumi.Input<string>;
    /** The RDS-managed master secret of the database the service uses (primary, or promoted DR instance). */
    secretArn?: pulumi.Input<string | undefined>;
    kmsKeyArn?: pulumi.Input<string>;
    /** The cluster's OIDC provider (EKS), for IRSA. */
    oidcProviderArn?: pulumi.Input<string>;
    oidcProviderUrl?: pulumi.Output<string>;
}

/**
 * Secrets Manager through IRSA when the database has an RDS-managed secret and the cluster an OIDC
 * provider; otherwise the password itself, in a Kubernetes Secret.
 */
export function databaseCredentials(sources: CredentialSources): DatabaseCredentials {
    if (sources.secretArn && sources.oidcProviderArn && sources.oidcProviderUrl) {
        return {
            kind: "secretsManager",
            username: sources.username,
            secretArn: pulumi.output(sources.secretArn).apply((arn) => {
                // A replica has no master secret of its own; RDS creates one when it is promoted.
                if (!arn) {
                    throw new pulumi.RunError(
                        "claude-enhancer:dr.activeDatabase: the DR instance has no RDS-managed master secret yet; promote it (docs/dr-runbook.md, step 1) before switching",
                    );
                }
                return arn;
            }),
            kmsKeyArn: sources.kmsKeyArn,
            irsa: {
                oidcProviderArn: sources.oidcProviderArn,
                issuerHostPath: sources.oidcProviderUrl.apply((url) => url.replace(/^https:\/\//, "")),
            },
        };
    }
    if (sources.password === undefined)
        throw new Error("the database has neither an RDS-managed secret reachable through IRSA nor a password");
    return { kind: "password", username: sources.username, password: sources.password };
}
