nvidia-smi --query-gpu=index,name,memory.total,driver_version,compute_cap --format=csv
