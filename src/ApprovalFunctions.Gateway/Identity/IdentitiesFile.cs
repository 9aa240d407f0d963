using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Process;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ApprovalFunctions.Gateway.Identity;

/// <summary>
/// People, groups, managers, agents and executors from a YAML file: the gateway's directory, and in development mode
/// the local identities one can sign in as (agents and executors with dev API keys, people with dev tokens).
/// </summary>
internal sealed class IdentitiesFile
{
    public List<PersonEntry> People { get; set; } = [];

    public List<AgentEntry> Agents { get; set; } = [];

    public List<ExecutorEntry> Executors { get; set; } = [];

    public List<string> Auditors { get; set; } = [];

    public static IdentitiesFile Empty { get; } = new();

    public static IdentitiesFile Load(string path)
    {
        IDeserializer deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
        IdentitiesFile file;
        try
        {
            file = deserializer.Deserialize<IdentitiesFile?>(File.ReadAllText(path)) ?? new IdentitiesFile();
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {LogText.Sanitize(ex.Message, 200)}", ex);
        }

        file.Validate(path);
        return file;
    }

    /// <summary>
    /// The file's id of the person an Entra token names by <paramref name="objectId"/> (<c>objectId</c> in the file);
    /// the object id itself for anyone else. Tokens are matched by this immutable id, never by e-mail.
    /// </summary>
    public string PersonIdOf(string objectId) =>
        People.FirstOrDefault(p => string.Equals(p.ObjectId, objectId, StringComparison.OrdinalIgnoreCase))?.Id ?? objectId;

    /// <summary>The Entra object id the file gives the person with <paramref name="personId"/>, or null.</summary>
    public string? ObjectIdOf(string personId) =>
        People.FirstOrDefault(p => string.Equals(p.Id, personId, StringComparison.OrdinalIgnoreCase))?.ObjectId;

    /// <summary>The Slack links the file holds (Slack user id → the file's person id).</summary>
    public IReadOnlyDictionary<string, string> SlackLinks() =>
        People.Where(p => p.Slack is not null).ToDictionary(p => p.Slack!, p => p.Id, StringComparer.Ordinal);

    /// <summary>The person with this id, object id or e-mail address (e-mail finds a person; it is never who a caller is).</summary>
    public Person? FindPerson(string idOrEmail) => Find(idOrEmail)?.ToPerson();

    public IReadOnlyList<Person> GroupMembers(string group) =>
        People.Where(p => p.Groups.Contains(group, StringComparer.OrdinalIgnoreCase)).Select(p => p.ToPerson()).ToArray();

    public Person? ManagerOf(string idOrEmail)
    {
        return Find(idOrEmail)?.Manager is string manager ? FindPerson(manager) : null;
    }

    private PersonEntry? Find(string idOrEmail) => People.FirstOrDefault(p =>
        string.Equals(p.Id, idOrEmail, StringComparison.OrdinalIgnoreCase)
        || string.Equals(p.ObjectId, idOrEmail, StringComparison.OrdinalIgnoreCase)
        || string.Equals(p.Email, idOrEmail, StringComparison.OrdinalIgnoreCase));

    private void Validate(string path)
    {
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (PersonEntry person in People)
        {
            if (string.IsNullOrWhiteSpace(person.Id) || !ids.Add(person.Id))
            {
                problems.Add($"people: missing or duplicate id {LogText.Quote(person.Id)}");
            }

            if (person.ObjectId is not null && (string.IsNullOrWhiteSpace(person.ObjectId) || !ids.Add(person.ObjectId)))
            {
                problems.Add($"people: {person.Id}'s objectId {LogText.Quote(person.ObjectId)} is empty or used twice");
            }

            if (person.Slack is not null && (string.IsNullOrWhiteSpace(person.Slack) || !ids.Add("slack:" + person.Slack)))
            {
                problems.Add($"people: {person.Id}'s slack {LogText.Quote(person.Slack)} is empty or used twice");
            }
        }

        foreach (PersonEntry person in People.Where(p => p.Manager is not null && FindPerson(p.Manager) is null))
        {
            problems.Add($"people: {person.Id}'s manager {LogText.Quote(person.Manager)} is not a person in the file");
        }

        foreach (AgentEntry agent in Agents)
        {
            if (string.IsNullOrWhiteSpace(agent.Id) || !ids.Add(agent.Id))
            {
                problems.Add($"agents: missing or duplicate id {LogText.Quote(agent.Id)}");
            }
        }

        foreach (ExecutorEntry executor in Executors.Where(e => string.IsNullOrWhiteSpace(e.Id) || !ids.Add(e.Id)))
        {
            problems.Add($"executors: missing or duplicate id {LogText.Quote(executor.Id)}");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{path}: " + string.Join("; ", problems));
        }
    }
}

internal sealed class PersonEntry
{
    /// <summary>The name the file uses for the person (groups, managers, <c>/dev/token</c>).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The person's Entra object id: Entra tokens (the portal's, Outlook's) with this <c>oid</c> are this person.</summary>
    public string? ObjectId { get; set; }

    /// <summary>The person's Slack user id (<c>U…</c>): presses in Slack by this user are this person's.</summary>
    public string? Slack { get; set; }

    public string? DisplayName { get; set; }

    public string? Email { get; set; }

    public string? Manager { get; set; }

    public List<string> Groups { get; set; } = [];

    public Person ToPerson() => new(Id, DisplayName, Email);
}

internal sealed class AgentEntry
{
    public string Id { get; set; } = string.Empty;

    public string? DisplayName { get; set; }

    public string? Owner { get; set; }

    /// <summary>A development API key, in plain text; only honoured in development mode.</summary>
    public string? ApiKey { get; set; }
}

internal sealed class ExecutorEntry
{
    public string Id { get; set; } = string.Empty;

    public string? ApiKey { get; set; }
}
