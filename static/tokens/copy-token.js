// The token shown once: "Copy" puts it on the clipboard (a file, not inline: see the CSP).
(function () {
  var field = document.getElementById("token-plaintext");
  var status = document.getElementById("copy-status");
  var button = document.getElementById("copy-token");
  if (!field || !button) {
    return;
  }
  button.addEventListener("click", function () {
    field.select();
    var done = function () { status.textContent = button.dataset.copied || "Copied."; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy"); done();
      });
    } else {
      document.execCommand("copy"); done();
    }
  });
})();
