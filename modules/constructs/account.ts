import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition/index.js";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region/index.js";
import { Construct } from "constructs";

/** Partition, region and account of the deployment (data sources: no provider configuration here). */
export class AccountContext extends Construct {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.partition = new DataAwsPartition(this, "partition").partition;
    this.region = new DataAwsRegion(this, "region").region;
    this.accountId = new DataAwsCallerIdentity(this, "caller").accountId;
  }

  /**
   * A state machine's ARN from its name. Built, not read from the resource: the functions' environment
   * and policies need it while the state machine's definition needs the functions (a cycle otherwise).
   */
  stateMachineArn(name: string): string {
    return `arn:${this.partition}:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** Executions of a state machine (DescribeExecution, StopExecution, GetExecutionHistory). */
  executionArns(name: string): string {
    return `arn:${this.partition}:states:${this.region}:${this.accountId}:execution:${name}:*`;
  }
}
