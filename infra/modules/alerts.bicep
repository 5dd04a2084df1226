// Azure Monitor alerts on the custom events azdr writes to Application Insights (azdr.rpo,
// azdr.backup, azdr.restore, azdr.heartbeat; see src/lib/notify/telemetry.ts). They page through
// the action group even when azdr's own notification code, or azdr itself, is broken: the
// heartbeat rule fires when the app stops running its timers.

@description('Application Insights resource id the rules query.')
param applicationInsightsId string

@description('Azure region of the rules.')
param location string

@description('Resource tags.')
param tags object = {}

@description('Action group name.')
param actionGroupName string

@description('Email addresses the action group notifies.')
param alertEmails array = []

@description('A webhook the action group calls (common alert schema); a secret, so never logged.')
@secure()
param alertWebhookUrl string = ''

@description('Minutes a restore may wait for approval before the alert fires.')
@minValue(5)
param approvalWaitMinutes int = 30

@description('Minutes without a heartbeat (the RPO timer runs every 15) before the app is declared down.')
@minValue(30)
param heartbeatMissingMinutes int = 45

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'azdr'
    enabled: true
    emailReceivers: [
      for (address, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: empty(alertWebhookUrl)
      ? []
      : [
          {
            name: 'webhook'
            serviceUri: alertWebhookUrl
            useCommonAlertSchema: true
          }
        ]
  }
}

var rules = [
  {
    name: 'azdr-rpo-stale'
    displayName: 'azdr: RPO not met'
    description: 'The newest azdr.rpo event of a component says stale, missing, partial or suspect.'
    severity: 1
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    query: '''
customEvents
| where name == "azdr.rpo"
| extend dataType = tostring(customDimensions.dataType), sourceId = tostring(customDimensions.sourceId), state = tostring(customDimensions.state)
| summarize arg_max(timestamp, state) by dataType, sourceId
| where state in ("stale", "missing", "partial", "suspect")
'''
    dimensions: ['dataType', 'sourceId']
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'azdr-backup-failed'
    displayName: 'azdr: backup not completed'
    description: 'An azdr.backup event with a phase other than Completed (Failed, PartiallyFailed, Suspect).'
    severity: 1
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    query: '''
customEvents
| where name == "azdr.backup"
| extend kind = tostring(customDimensions.kind), sourceId = tostring(customDimensions.sourceId), phase = tostring(customDimensions.phase)
| where phase != "Completed"
'''
    dimensions: ['kind', 'sourceId']
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'azdr-restore-awaiting-approval'
    displayName: 'azdr: restore waiting for approval'
    description: 'A restore whose newest azdr.restore event is awaiting-approval, older than ${approvalWaitMinutes} minutes.'
    severity: 2
    evaluationFrequency: 'PT15M'
    windowSize: 'P1D'
    // Multi-line strings do not interpolate: the minutes are put in with replace().
    query: replace(
      '''
customEvents
| where name == "azdr.restore"
| extend instanceId = tostring(customDimensions.instanceId), phase = tostring(customDimensions.phase)
| summarize arg_max(timestamp, phase) by instanceId
| where phase == "awaiting-approval" and timestamp < ago(APPROVAL_WAIT_MINUTESm)
''',
      'APPROVAL_WAIT_MINUTES',
      string(approvalWaitMinutes)
    )
    dimensions: ['instanceId']
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'azdr-heartbeat-missing'
    displayName: 'azdr: the app is not running its timers'
    description: 'No azdr.heartbeat event (sent by the RPO timer) for ${heartbeatMissingMinutes} minutes.'
    severity: 0
    evaluationFrequency: 'PT15M'
    windowSize: 'PT${heartbeatMissingMinutes}M'
    query: '''
customEvents
| where name == "azdr.heartbeat"
'''
    dimensions: []
    operator: 'LessThan'
    threshold: 1
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: rule.name
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      scopes: [applicationInsightsId]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: rule.operator
            threshold: rule.threshold
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: ['*']
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [actionGroup.id]
      }
    }
  }
]

output actionGroupId string = actionGroup.id
output alertRuleNames array = [for rule in rules: rule.name]
