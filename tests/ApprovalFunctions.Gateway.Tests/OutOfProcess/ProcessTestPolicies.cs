namespace ApprovalFunctions.Gateway.Tests.OutOfProcess;

/// <summary>Policies for tests of the real gateway process: real clock, so timeouts are seconds long.</summary>
internal static class ProcessTestPolicies
{
    public const string Yaml = """
        policy: process-tests
        defaults:
          effect: requireApproval
          approval: { approvers: ["group:security-oncall"], minApprovals: 1, timeout: PT1H }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny, reason: "deletes are not allowed" } }
          - id: prod-writes
            if: { allOf: [ { field: target.environment, equals: production }, { field: action.type, like: "db.write*" } ] }
            then:
              effect: requireApproval
              reason: production writes need two owners
              approval: { approvers: ["group:prod-owners"], minApprovals: 2, timeout: PT1H }
          - id: quick-close
            if: { field: action.type, equals: ticket.close }
            then: { effect: requireApproval, approval: { approvers: ["group:security-oncall"], timeout: PT2S, onTimeout: reject } }
          - id: quick-autoclose
            if: { field: action.type, equals: ticket.autoclose }
            then: { effect: requireApproval, approval: { approvers: ["group:security-oncall"], timeout: PT1S, onTimeout: approve } }
        """;

    public const string Close = """{"type":"ticket.close","summary":"Close ticket 7","data":{"sourceRegion":"westeurope"}}""";

    public const string AutoClose = """{"type":"ticket.autoclose","summary":"Auto-close ticket 9","data":{"sourceRegion":"westeurope"}}""";
}
