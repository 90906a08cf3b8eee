import { z } from "zod";
import { IPV4_CIDR } from "./network";

/** A container image repository without tag or digest, optionally on a registry host (ECR, GHCR, ...). */
const IMAGE_REPOSITORY = /^([a-zA-Z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
const CPU_QUANTITY = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY_QUANTITY = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where the service's image comes from on a stack without an ECR repository (`local`) when
 * `app.image.repository` is unset: the service's public release image (docs/image-and-network.md).
 */
export const PUBLIC_IMAGE_REPOSITORY = "ghcr.io/example-org/claude-enhancer";

/**
 * The AWS APIs the service's pods call when the database is RDS: Secrets Manager (the RDS-managed
 * credentials) and STS (the IRSA token exchange). Each gets an interface VPC endpoint (index.ts), which
 * the cost estimate counts (cost/estimate.ts).
 */
export const APP_AWS_APIS = ["secretsmanager", "sts"] as const;

/** The environment variables the Application sets itself from the data stores; a stack may not override them. */
export const PLATFORM_ENV = [
    "APP_VERSION",
    "APP_TRACK",
    "POD_NAME",
    "POD_NAMESPACE",
    "DATABASE_HOST",
    "DATABASE_READ_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_USER",
    "DATABASE_PASSWORD",
    "DATABASE_CREDENTIALS_SECRET_ARN",
    "DATABASE_SSLMODE",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "REDIS_TLS",
] as const;

/** CPU quantity in millicores ("1" = 1000, "500m" = 500); undefined when it is not a quantity. */
export function cpuMillis(quantity: string): number | undefined {
    const m = CPU_QUANTITY.exec(quantity);
    if (!m) return undefined;
    return m[3] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
}

const MEMORY_FACTORS: Record<string, number> = {
    "": 1,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
};

/** Memory quantity in bytes ("2Gi", "512Mi"); undefined when it is not a quantity. */
export function memoryBytes(quantity: string): number | undefined {
    const m = MEMORY_QUANTITY.exec(quantity);
    if (!m) return undefined;
    return Number(m[1]) * MEMORY_FACTORS[m[3] ?? ""];
}

const CPU = z.string().refine((v) => cpuMillis(v) !== undefined && cpuMillis(v)! > 0, 'a CPU quantity such as "1" or "500m"');
const MEMORY = z.string().refine((v) => memoryBytes(v) !== undefined && memoryBytes(v)! > 0, 'a memory quantity such as "2Gi" or "512Mi"');

const ComputeSchema = z.strictObject({ cpu: CPU, memory: MEMORY });

export const ResourcesSchema = z
    .strictObject({
        requests: ComputeSchema.prefault({ cpu: "1", memory: "2Gi" }),
        limits: ComputeSchema.prefault({ cpu: "2", memory: "4Gi" }),
    })
    .refine((r) => cpuMillis(r.requests.cpu)! <= cpuMillis(r.limits.cpu)!, {
        message: "requests.cpu <= limits.cpu",
        path: ["requests", "cpu"],
    })
    .refine((r) => memoryBytes(r.requests.memory)! <= memoryBytes(r.limits.memory)!, {
        message: "requests.memory <= limits.memory",
        path: ["requests", "memory"],
    });

export const AutoscalingSchema = z
    .strictObject({
        minReplicas: z.number().int().min(1).max(100).default(3),
        maxReplicas: z.number().int().min(1).max(100).default(20),
        targetCpuPercent: z.number().int().min(1).max(100).default(70),
        targetMemoryPercent: z.number().int().min(1).max(100).default(80),
    })
    .refine((a) => a.minReplicas <= a.maxReplicas, { message: "minReplicas <= maxReplicas", path: ["minReplicas"] });

export const IngressSchema = z.strictObject({
    /** Public host name of the service (Ingress rule / VirtualService host). */
    host: z.string().regex(HOSTNAME, "a DNS host name such as api.example.com"),
    /** Secret of type kubernetes.io/tls in the application namespace holding the host's certificate. */
    tlsSecretName: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "a Kubernetes object name")
        .default("claude-enhancer-tls"),
    /** Requests per second one client may send (ingress-nginx limit-rps). */
    rateLimitRps: z.number().int().min(1).max(100000).default(100),
    /** Cookie that keeps a client on one version for a workflow's duration (seed 002). */
    sessionCookieName: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, "a cookie name of letters, digits, '-' and '_'")
        .default("claude-session"),
    sessionCookieMaxAgeSeconds: z.number().int().min(60).max(86400).default(3600),
});

/**
 * A destination outside the platform the service must reach (an external API), allowed by its own
 * egress rule. `reason` is mandatory: it is written on the NetworkPolicy, where the policy pack's
 * k8s-no-open-egress rule reads it for any rule open to every address (0.0.0.0/0).
 */
export const EgressExceptionSchema = z.strictObject({
    /** Short name of the destination, e.g. "payments-api". */
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a lowercase name of letters, digits and '-'"),
    /** IPv4 CIDR blocks of the destination (0.0.0.0/0 only when its addresses are not fixed). */
    cidrs: z.array(z.string().regex(IPV4_CIDR, "an IPv4 CIDR block such as 203.0.113.0/24")).min(1),
    /** TCP ports. */
    ports: z.array(z.number().int().min(1).max(65535)).min(1).default([443]),
    /** Why the service needs it (reviewed with the NetworkPolicy). */
    reason: z.string().min(10),
});

export type EgressException = z.infer<typeof EgressExceptionSchema>;

/**
 * The Claude Enhancer service itself (docs/architecture.md Application): image, sizing, autoscaling and
 * disruption budget, ports and the public entry point. It runs in APP_NAMESPACE.
 */
export const AppSchema = z
    .strictObject({
        image: z
            .strictObject({
                /**
                 * Repository only; the tag is the rollout's stableVersion / candidateVersion. Unset: the
                 * stack's ECR repository on AWS stacks, PUBLIC_IMAGE_REPOSITORY elsewhere.
                 */
                repository: z
                    .string()
                    .regex(
                        IMAGE_REPOSITORY,
                        "an image repository without tag, such as ghcr.io/example-org/claude-enhancer or 123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer",
                    )
                    .optional(),
                pullPolicy: z.enum(["IfNotPresent", "Always"]).default("IfNotPresent"),
                /** The stack's ECR repository (AWS stacks): its lifecycle policy. */
                ecr: z
                    .strictObject({
                        /** Tagged images (releases) kept; older ones expire, so keep more than a rollback ever reaches back. */
                        keepReleases: z.number().int().min(2).max(1000).default(30),
                        /** Days an untagged image (a superseded or failed push) is kept. */
                        untaggedExpiryDays: z.number().int().min(1).max(365).default(7),
                    })
                    .prefault({}),
            })
            .prefault({}),
        /** The service's egress beyond the platform (data stores, DNS, AWS endpoints, tracing are allowed already). */
        egress: z
            .strictObject({
                /** External destinations the service needs, each with its reason; none by default (SPEC: no external API). */
                exceptions: z.array(EgressExceptionSchema).default([]),
            })
            .prefault({}),
        autoscaling: AutoscalingSchema.prefault({}),
        resources: ResourcesSchema.prefault({}),
        /** Stable pods that must stay up during voluntary disruptions (node drains, upgrades). */
        pdbMinAvailable: z.number().int().min(1).default(2),
        /** Port the service listens on (API, /metrics and /health/*). */
        containerPort: z.number().int().min(1024).max(65535).default(8080),
        /** Port of the Kubernetes Services in front of it. */
        servicePort: z.number().int().min(1).max(65535).default(80),
        terminationGracePeriodSeconds: z.number().int().min(1).max(3600).default(60),
        /** Extra non-secret environment variables. */
        env: z.record(z.string().regex(ENV_NAME, "an environment variable name"), z.string()).default({}),
        ingress: IngressSchema,
    })
    .refine((a) => a.pdbMinAvailable < a.autoscaling.minReplicas, {
        message: "pdbMinAvailable < autoscaling.minReplicas (otherwise no stable pod can ever be evicted and node drains hang)",
        path: ["pdbMinAvailable"],
    })
    .superRefine((a, ctx) => {
        for (const name of Object.keys(a.env)) {
            if ((PLATFORM_ENV as readonly string[]).includes(name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["env", name],
                    message: `a variable other than ${PLATFORM_ENV.join(", ")} (the platform sets those)`,
                });
            }
        }
    });

export type AppConfig = z.infer<typeof AppSchema>;
