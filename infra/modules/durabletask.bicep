// A Durable Task Scheduler and the task hub the app uses, when durableBackend is
// DurableTaskScheduler. The app reaches it with its system-assigned identity (access.bicep).
param name string
param location string
param tags object
@allowed(['Consumption', 'Dedicated'])
param skuName string
param taskHubName string

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Required and never empty (empty denies everything); access is by Entra identity and role.
    ipAllowlist: ['0.0.0.0/0']
    sku: skuName == 'Dedicated' ? { name: 'Dedicated', capacity: 1 } : { name: 'Consumption' }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
