import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group/index.js";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine/index.js";
import { Construct } from "constructs";
import { ServiceRole } from "./iam.js";

/**
 * A Standard state machine running a definition from modules/state-machines/, with a role that can
 * invoke only the given functions, X-Ray tracing and error logging.
 */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: SfnStateMachine;
  readonly role: ServiceRole;

  constructor(
    scope: Construct,
    id: string,
    props: {
      name: string;
      /** An ASL object, or its JSON text (numbers may be Terraform interpolations). */
      definition: object | string;
      functionArns: string[];
      logRetentionDays: number;
      tags: Record<string, string>;
    },
  ) {
    super(scope, id);
    this.role = new ServiceRole(this, "role", {
      namePrefix: props.name,
      service: "states.amazonaws.com",
      tags: props.tags,
    });
    this.role.allow("invoke", [
      {
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: props.functionArns.flatMap((arn) => [arn, `${arn}:*`]),
      },
    ]);
    this.role.allow("observability", [
      // CloudWatch Logs delivery and X-Ray APIs used by Step Functions have no resource-level scope.
      {
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Resource: "*",
      },
    ]);
    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/vendedlogs/states/${props.name}`,
      retentionInDays: props.logRetentionDays,
      tags: props.tags,
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.name,
      type: "STANDARD",
      roleArn: this.role.arn,
      definition: typeof props.definition === "string" ? props.definition : JSON.stringify(props.definition),
      tracingConfiguration: { enabled: true },
      loggingConfiguration: {
        level: "ERROR",
        includeExecutionData: false,
        logDestination: `${logGroup.arn}:*`,
      },
      tags: props.tags,
    });
  }
}
