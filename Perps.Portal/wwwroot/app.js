// The secret box's Copy button: copies the field it names, and says so. The only script of the portal besides Blazor's.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-copy-target]');
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Press Ctrl+C'; // no clipboard access (plain http on another host): the text is selected
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 2000);
});
