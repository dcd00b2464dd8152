document.getElementById('app').textContent='todo';
