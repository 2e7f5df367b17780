nvidia-smi --query-gpu=index,name,memory.total,compute_cap,driver_version --format=csv
