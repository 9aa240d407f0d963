using AgentWithApprovals;
using ApprovalFunctions.Client;

// dotnet run --project samples/AgentWithApprovals -- [base-url] [api-key] [region]
string url = args.ElementAtOrDefault(0) ?? "http://localhost:7071";
string key = args.ElementAtOrDefault(1) ?? "dev-etl-agent-key";
string region = args.ElementAtOrDefault(2) ?? "westeurope";
using var http = new HttpClient();
var approvals = new ApprovalsClient(http, new ApprovalsClientOptions { BaseUrl = new Uri(url), ApiKey = key });
await SampleAgent.RunAsync(approvals, region, Console.Out, TimeSpan.FromMinutes(10));
