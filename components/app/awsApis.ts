/**
 * The AWS APIs the service's pods call when the database is RDS: Secrets Manager (the RDS-managed
 * credentials) and STS (the IRSA token exchange). Each gets an interface VPC endpoint (index.ts), which
 * the cost estimate counts (cost/estimate.ts).
 */
export const APP_AWS_APIS = ["secretsmanager", "sts"] as const;
