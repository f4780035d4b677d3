/**
 * The one script of the identity pages, served as a file (`script-src 'self'`, nothing
 * inline). WebAuthn has no form-only equivalent: the script asks the server for options,
 * calls the browser's credential API and sends the answer back. It reads everything it needs
 * from `data-` attributes of the element marked `data-webauthn`.
 */
export const webauthnScriptPath = '/identity/assets/webauthn.js'

// TODO(#4): browsers without PublicKeyCredential.parse*OptionsFromJSON / toJSON (older
// Safari) get an error message; a manual base64url conversion would widen support.
export const webauthnScript = `'use strict';
(function () {
  var root = document.querySelector('[data-webauthn]');
  if (!root) return;
  var mode = root.getAttribute('data-webauthn');
  var button = root.querySelector('button[data-start]');
  var status = root.querySelector('[role=status]');
  var say = function (text) { status.textContent = text; };
  var post = function (url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.detail || 'request failed');
        return json;
      });
    });
  };
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
    say('This browser cannot use passkeys here.');
    return;
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    var csrf = root.getAttribute('data-csrf');
    button.disabled = true;
    say('Waiting for your passkey...');
    post(root.getAttribute('data-options-url'), { csrf: csrf })
      .then(function (options) {
        if (mode === 'register') {
          var create = PublicKeyCredential.parseCreationOptionsFromJSON(options);
          return navigator.credentials.create({ publicKey: create }).then(function (credential) {
            return post(root.getAttribute('data-verify-url'), {
              csrf: csrf,
              response: credential.toJSON(),
            }).then(function () { say('Passkey added.'); });
          });
        }
        var request = PublicKeyCredential.parseRequestOptionsFromJSON(options);
        return navigator.credentials.get({ publicKey: request }).then(function (credential) {
          var form = root.querySelector('form');
          form.querySelector('input[name=response]').value = JSON.stringify(credential.toJSON());
          form.submit();
        });
      })
      .catch(function (error) {
        button.disabled = false;
        say('The passkey did not work: ' + error.message);
      });
  });
})();
`
