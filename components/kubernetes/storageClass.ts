import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType, PLATFORM_LABELS } from "../../identity";

export const GP3_STORAGE_CLASS = "gp3";

export interface Gp3StorageClassArgs {
    /** Tags every provisioned EBS volume carries: the cost tags and the backup-selection tag. */
    volumeTags: Record<string, string>;
}

/**
 * EBS CSI `tagSpecification_<n>` parameters ("key=value"), in key order so the object does not
 * change between runs. The driver rejects a tag whose key or value holds "=" or ",".
 */
export function volumeTagParameters(tags: Record<string, string>): Record<string, string> {
    const parameters: Record<string, string> = {};
    Object.keys(tags)
        .sort()
        .forEach((key, i) => {
            const value = tags[key];
            if (/[=,]/.test(key) || /[=,]/.test(value))
                throw new Error(`volume tag ${key}=${value}: "=" and "," cannot be passed to the EBS CSI driver`);
            parameters[`tagSpecification_${i + 1}`] = `${key}=${value}`;
        });
    return parameters;
}

/**
 * The EKS clusters' default StorageClass: encrypted gp3 volumes from the EBS CSI driver (the add-on
 * the Cluster installs), bound where the pod is scheduled so a volume lands in its pod's AZ.
 */
export class Gp3StorageClass extends pulumi.ComponentResource {
    readonly storageClassName: pulumi.Output<string>;

    constructor(name: string, args: Gp3StorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("kubernetes", "Gp3StorageClass"), name, {}, opts);
        const storageClass = new k8s.storage.v1.StorageClass(
            name,
            {
                metadata: {
                    name: GP3_STORAGE_CLASS,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                    labels: PLATFORM_LABELS,
                },
                provisioner: "ebs.csi.aws.com",
                parameters: {
                    type: "gp3",
                    encrypted: "true",
                    "csi.storage.k8s.io/fstype": "ext4",
                    ...volumeTagParameters(args.volumeTags),
                },
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Delete",
            },
            { parent: this },
        );
        this.storageClassName = storageClass.metadata.name;
        this.registerOutputs({ storageClassName: this.storageClassName });
    }
}
