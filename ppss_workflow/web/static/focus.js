// After a refused submit the page comes back with the message at the top of its form:
// move focus there so that it is seen and read out (the message has role="alert" and
// tabindex="-1"). No other script runs on these pages.
document.addEventListener("DOMContentLoaded", function () {
  var alert = document.querySelector('[role="alert"][tabindex="-1"]');
  if (alert) {
    alert.focus();
    alert.scrollIntoView({ block: "center" });
  }
});
