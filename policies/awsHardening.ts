/**
 * AWS hardening rules of the product's own standard beyond encryption and exposure (docs/policies.md):
 * explicit KMS key policies, locked default security groups, S3 server access logging, RDS and
 * OpenSearch log export to CloudWatch, and a customer-managed key for the data stores the older rules
 * do not cover (OpenSearch, S3).
 */
import * as kms from "@pulumi/aws/kms";
import * as opensearch from "@pulumi/aws/opensearch";
import * as rds from "@pulumi/aws/rds";
import * as s3 from "@pulumi/aws/s3";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { S3_BUCKET_LOGGING, accessLogTargets, bucketsWithout } from "./buckets";
import { PolicyStatement, listOf, statementLabel, statementsOf, trustsEveryone } from "./policyDocuments";
import { ConfigProperties, UNKNOWN, configOf, describe, isSet, list, ofType, peek, perType, stringList, typed, whenKnown } from "./lib";

/** True when a statement's principal is an account's root (`arn:<partition>:iam::<account>:root` or the bare account id). */
function namesAccountRoot(statement: PolicyStatement): boolean {
    const principal = statement.Principal;
    if (principal === undefined || typeof principal === "string") return false;
    return listOf(principal.AWS).some((p) => /^arn:[^:]+:iam::\d{12}:root$/.test(p) || /^\d{12}$/.test(p));
}

export const kmsExplicitKeyPolicy: ResourceValidationPolicy = {
    name: "aws-kms-explicit-key-policy",
    description:
        "Customer-managed KMS keys carry an explicit key policy in which the account administers the key and no statement grants every principal (*) every KMS action.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        kms.Key,
        whenKnown((key, _args, report) => {
            if (!isSet(key, "policy"))
                return report(
                    "no policy: the default key policy applies, which names neither the services that use the key nor any condition.",
                );
            const statements = statementsOf(key.policy);
            if (statements === undefined) return report("policy is not a policy document.");
            statements.forEach((s, i) => {
                if (s.Effect !== "Allow" || !trustsEveryone(s)) return;
                const all = listOf(s.Action).filter((a) => a === "*" || a === "kms:*");
                if (all.length > 0) report(`${statementLabel(s, i)} grants ${list(all)} to every principal (*).`);
            });
            const administered = statements.some(
                (s) =>
                    s.Effect === "Allow" &&
                    namesAccountRoot(s) &&
                    listOf(s.Action).some((a) => ["*", "kms:*", "kms:PutKeyPolicy"].includes(a)),
            );
            if (!administered)
                report(
                    "no statement lets the account's root principal administer the key (kms:PutKeyPolicy); the account could lose control of it.",
                );
        }),
    ),
};

const DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

export const vpcDefaultSecurityGroupLocked: StackValidationPolicy = {
    name: "aws-vpc-default-security-group-locked",
    description:
        "Every VPC's default security group is managed (aws.ec2.DefaultSecurityGroup) with no ingress and no egress rules, so nothing launched without a security group can talk.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const groups = ofType(args, DEFAULT_SECURITY_GROUP);
        for (const network of ofType(args, "aws:ec2/vpc:Vpc")) {
            const id = peek(() => network.props.id);
            const own = groups.filter((group) => {
                const target = peek(() => group.props.vpcId);
                if (target === UNKNOWN || id === UNKNOWN) return group.dependencies.includes(network);
                return target !== undefined && target === id;
            });
            if (own.length === 0) {
                report(
                    `${describe(network)} has no DefaultSecurityGroup: its default security group keeps AWS's rules (all traffic among members, all egress).`,
                    network.urn,
                );
            }
            for (const group of own) {
                const withRules = ["ingress", "egress"].filter((k) => {
                    const rules = peek(() => group.props[k]);
                    return Array.isArray(rules) && rules.length > 0;
                });
                if (withRules.length > 0)
                    report(`${describe(group)} of ${describe(network)} has ${list(withRules)} rules; expected none.`, group.urn);
            }
        }
    },
};

export const s3AccessLogging: StackValidationPolicy = {
    name: "aws-s3-access-logging",
    description:
        "Every S3 bucket logs its server accesses (aws.s3.BucketLogging) to an access-log bucket, except the access-log buckets themselves.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const targets = accessLogTargets(args);
        const logs = (c: PolicyResource) => peek(() => typeof c.props.targetBucket === "string" && c.props.targetBucket !== "");
        for (const bucket of bucketsWithout(args, S3_BUCKET_LOGGING, logs).filter((b) => !targets.includes(b)))
            report(`${describe(bucket)} has no server access logging and is no access-log target.`, bucket.urn);
    },
};

const rdsLogSchema: ConfigProperties = {
    requiredLogs: stringList("Logs PostgreSQL instances export to CloudWatch Logs.", ["postgresql", "upgrade"]),
};

export const rdsLogExports: ResourceValidationPolicy = {
    name: "aws-rds-log-exports",
    description: "PostgreSQL RDS instances (replicas too) export the postgresql and upgrade logs to CloudWatch Logs.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: rdsLogSchema },
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, args, report) => {
            // A replica names no engine: it runs its source's, which for this program is PostgreSQL.
            if (db.engine !== undefined && !db.engine.startsWith("postgres")) return;
            const { requiredLogs } = configOf<{ requiredLogs: string[] }>(args, rdsLogSchema);
            const exported = db.enabledCloudwatchLogsExports ?? [];
            const missing = requiredLogs.filter((l) => !exported.includes(l));
            if (missing.length > 0)
                report(`enabledCloudwatchLogsExports lacks ${list(missing)}: RDS keeps those logs on the instance only, for days.`);
        }),
    ),
};

const openSearchLogSchema: ConfigProperties = {
    requiredLogTypes: stringList("Log types OpenSearch domains publish to CloudWatch Logs.", [
        "INDEX_SLOW_LOGS",
        "SEARCH_SLOW_LOGS",
        "ES_APPLICATION_LOGS",
        "AUDIT_LOGS",
    ]),
};

export const opensearchLogPublishing: ResourceValidationPolicy = {
    name: "aws-opensearch-log-publishing",
    description:
        "OpenSearch domains publish their index and search slow logs, application (error) logs and audit logs to CloudWatch Logs; audit logs need fine-grained access control.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: openSearchLogSchema },
    validateResource: validateResourceOfType(
        opensearch.Domain,
        whenKnown((domain, args, report) => {
            const { requiredLogTypes } = configOf<{ requiredLogTypes: string[] }>(args, openSearchLogSchema);
            const options = domain.logPublishingOptions ?? [];
            const published = (type: string) =>
                options.some((o) => o.logType === type && o.enabled !== false && isSet(o, "cloudwatchLogGroupArn"));
            const missing = requiredLogTypes.filter((t) => !published(t));
            if (missing.length > 0) report(`logPublishingOptions do not publish ${list(missing)} to a log group.`);
            if (requiredLogTypes.includes("AUDIT_LOGS") && domain.advancedSecurityOptions?.enabled !== true)
                report("AUDIT_LOGS needs fine-grained access control, but advancedSecurityOptions.enabled is not true.");
        }),
    ),
};

export const dataStoreCmk: ResourceValidationPolicy = {
    name: "aws-data-store-cmk",
    description:
        "OpenSearch domains and S3 default encryption with KMS name a customer-managed key, as RDS and ElastiCache must (aws-rds-storage-encrypted, aws-elasticache-at-rest-encryption): never the AWS-managed aws/es or aws/s3 key.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: perType(
        typed(
            opensearch.Domain,
            whenKnown((domain, _args, report) => {
                if (domain.encryptAtRest?.enabled === true && !isSet(domain.encryptAtRest, "kmsKeyId"))
                    report("encryptAtRest has no kmsKeyId: the domain's data is encrypted with the AWS-managed aws/es key.");
            }),
        ),
        typed(
            s3.BucketServerSideEncryptionConfiguration,
            whenKnown((config, _args, report) => {
                for (const rule of config.rules) {
                    const sse = rule.applyServerSideEncryptionByDefault;
                    if (sse?.sseAlgorithm.startsWith("aws:kms") && !isSet(sse, "kmsMasterKeyId"))
                        report(
                            `default encryption ${sse.sseAlgorithm} has no kmsMasterKeyId: objects are encrypted with the AWS-managed aws/s3 key.`,
                        );
                }
            }),
        ),
    ),
};

export const awsHardeningPolicies = [
    kmsExplicitKeyPolicy,
    vpcDefaultSecurityGroupLocked,
    s3AccessLogging,
    rdsLogExports,
    opensearchLogPublishing,
    dataStoreCmk,
];
