// The service worker of StreamHub's Web Push (docs/notifications.md): shows each pushed notification and
// opens its page on a click. The payload is `{ title, body, url, tag }`, encrypted by the gateway.
self.addEventListener('push', (event) => {
  const message = event.data ? event.data.json() : undefined;
  if (!message) return;
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      data: { url: message.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url;
  if (url) event.waitUntil(self.clients.openWindow(url));
});
