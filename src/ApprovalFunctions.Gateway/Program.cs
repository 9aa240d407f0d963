using ApprovalFunctions.Gateway.Cli;

// `approvals <command>` runs a command; `approvals` alone starts the gateway.
return await ApprovalsCli.RunAsync(args, CliConsole.System);
