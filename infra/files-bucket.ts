/**
 * The files bucket of the bulk file workflow: uploads under `input/`, results and summaries
 * under `output/`, each run's parts under `runs/` (functions/files/workflow.ts
 * FILE_PREFIXES). S3-managed encryption, TLS only, no public access, versioned (the prepare step
 * pins the uploaded version, so a second upload of the same key during a run cannot change what
 * the map reads), EventBridge notifications on (the trigger), and lifecycle rules that expire
 * results, parts and replaced versions. Access is granted per prefix with the exact actions each
 * step needs, so least privilege reads at the call site.
 */

import { Duration } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FILE_PREFIXES } from '../functions/files/workflow.js';
import type { FileWorkflowConfig } from './connector-config.js';

export type FilePrefix = keyof typeof FILE_PREFIXES;

/** What a step may do with the objects under one prefix. */
export type PrefixAccess =
  /** Read objects (and named versions: the input is read at the version prepare pinned). */
  | 'read'
  /** Write objects, whole or as a multipart upload (and abort one). */
  | 'write'
  /** Both. */
  | 'read-write';

const ACTIONS: Readonly<Record<PrefixAccess, readonly string[]>> = {
  read: ['s3:GetObject', 's3:GetObjectVersion'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  'read-write': ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:AbortMultipartUpload'],
};

export class FilesBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { readonly config: FileWorkflowConfig }) {
    super(scope, id);
    const { resultsExpireDays, partsExpireDays } = props.config;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Kept when the stack is deleted (the default): it holds the users' files and results.
      lifecycleRules: [
        {
          id: 'ExpireResults',
          prefix: FILE_PREFIXES.output,
          expiration: Duration.days(resultsExpireDays),
        },
        {
          id: 'ExpireRunParts',
          prefix: FILE_PREFIXES.runs,
          expiration: Duration.days(partsExpireDays),
        },
        {
          // Replaced and expired objects (versioning keeps them) go after the parts' period.
          id: 'ExpireReplacedVersions',
          noncurrentVersionExpiration: Duration.days(partsExpireDays),
          expiredObjectDeleteMarker: true,
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    // EventBridge notifications (the trigger), set on the bucket resource itself: CDK's
    // `eventBridgeEnabled` would deploy a notifications custom resource (a Lambda function) for it.
    (this.bucket.node.defaultChild as CfnBucket).addPropertyOverride(
      'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
      true,
    );
  }

  /** `arn:…:s3:::<bucket>/<prefix>*`: the objects under one prefix. */
  objectsUnder(prefix: FilePrefix): string {
    return this.bucket.arnForObjects(`${FILE_PREFIXES[prefix]}*`);
  }

  /** Lets `grantee` read and/or write the objects under `prefix`, nothing else of the bucket. */
  grantPrefix(grantee: IGrantable, prefix: FilePrefix, access: PrefixAccess): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...ACTIONS[access]],
        resources: [this.objectsUnder(prefix)],
      }),
    );
  }

  /**
   * Lets `grantee` list keys. Without s3:ListBucket, S3 answers a missing object with 403, not
   * 404, and the steps tell "not there yet" (a batch's part, its progress) from a fault by the
   * 404. `under` limits listing to one prefix (s3:prefix); the implicit check of a HeadObject
   * carries no prefix, so a step that looks for missing objects needs it unlimited.
   */
  grantList(grantee: IGrantable, under?: FilePrefix): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        ...(under === undefined
          ? {}
          : { conditions: { StringLike: { 's3:prefix': `${FILE_PREFIXES[under]}*` } } }),
      }),
    );
  }
}
