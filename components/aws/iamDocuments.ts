/**
 * IAM policy documents the network and cluster components attach, as plain values built from resolved
 * strings (components call them inside `pulumi.all(...).apply`), so their conditions are tested directly.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** The AWS account and region a document refers to. */
export interface AccountScope {
    partition: string;
    accountId: string;
    region: string;
    /** DNS suffix of the partition, e.g. amazonaws.com. */
    dnsSuffix: string;
}

/** Trust policy letting an AWS service (e.g. eks.amazonaws.com) assume the role. */
export function serviceAssumeRolePolicy(service: string): PolicyDocument {
    return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] };
}

/** ARN of an AWS-managed IAM policy in the partition, e.g. ("aws", "AmazonEKSClusterPolicy"). */
export function awsManagedPolicyArn(partition: string, policyPath: string): string {
    return `arn:${partition}:iam::aws:policy/${policyPath}`;
}

/**
 * Trust policy of the VPC flow-log delivery role, limited to flow logs of this account and region
 * (aws:SourceAccount / aws:SourceArn guard against the confused-deputy problem).
 */
export function flowLogsAssumeRolePolicy(scope: AccountScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": scope.accountId },
                    ArnLike: { "aws:SourceArn": `arn:${scope.partition}:ec2:${scope.region}:${scope.accountId}:vpc-flow-log/*` },
                },
            },
        ],
    };
}

/** What the flow-log delivery role may do: create and write the streams of its one log group. */
export function flowLogsDeliveryPolicy(logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                Resource: [logGroupArn, `${logGroupArn}:*`],
            },
        ],
    };
}

/**
 * The statement every key policy of the program starts with: the account (its root principal) may do
 * everything with the key, so the account can always administer it and IAM policies can grant its use
 * (without it a key policy can lock the account out of its own key).
 */
export function accountAdministersKey(scope: AccountScope): PolicyStatement {
    return {
        Sid: "AccountAdministersTheKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
    };
}

/** Cryptographic use a service makes of a key on a caller's behalf (grants included, for RDS, EBS and the like). */
const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"];

/**
 * Key policy of a customer-managed key that AWS services use on behalf of this account's principals
 * (RDS, ElastiCache, S3, EKS, AWS Backup ...): the account administers the key, and principals of the
 * account may use it only through the named services of the key's region (`kms:ViaService`); a caller
 * still needs IAM permission for the key. No service principal is named: these services use the key
 * with the caller's permissions and grants, never as themselves.
 */
export function serviceKeyPolicy(scope: AccountScope, services: readonly string[]): PolicyDocument {
    if (services.length === 0) throw new Error("serviceKeyPolicy: name the services that use the key");
    return {
        Version: "2012-10-17",
        Statement: [
            accountAdministersKey(scope),
            {
                Sid: "UseThroughTheNamedServices",
                Effect: "Allow",
                Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` },
                Action: KEY_USE_ACTIONS,
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "kms:CallerAccount": scope.accountId,
                        "kms:ViaService": services.map((service) => `${service}.${scope.region}.${scope.dnsSuffix}`),
                    },
                },
            },
        ],
    };
}

/**
 * Key policy of a KMS key encrypting one CloudWatch Logs log group: the account administers the key
 * through IAM, and the regional CloudWatch Logs service may use it only for that log group (the
 * encryption context carries the log group's ARN).
 */
export function logsKeyPolicy(scope: AccountScope, logGroupName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            accountAdministersKey(scope),
            {
                Sid: "CloudWatchLogsEncryptsTheLogGroup",
                Effect: "Allow",
                Principal: { Service: `logs.${scope.region}.${scope.dnsSuffix}` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: {
                    ArnEquals: {
                        "kms:EncryptionContext:aws:logs:arn": `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${logGroupName}`,
                    },
                },
            },
        ],
    };
}

/** What the EKS cluster role may do with the key that envelope-encrypts Kubernetes secrets. */
export function clusterEncryptionPolicy(keyArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: keyArn }],
    };
}

/**
 * Trust policy of an IRSA role: only the named Kubernetes service account, presenting a token for STS
 * issued by the cluster's OIDC issuer (`issuerHostPath` = issuer URL without https://), may assume it.
 */
export function irsaAssumeRolePolicy(
    oidcProviderArn: string,
    issuerHostPath: string,
    namespace: string,
    serviceAccount: string,
): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuerHostPath}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuerHostPath}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}
