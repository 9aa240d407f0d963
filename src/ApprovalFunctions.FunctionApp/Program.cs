using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Identity;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Azure Functions host: HTTP API (same contract as the gateway), the approval orchestration and its activities.
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<AuthenticationMiddleware>(AuthenticationMiddleware.AppliesTo);
builder.Services.AddApprovalFunctions(builder.Configuration);
builder.Build().Run();
